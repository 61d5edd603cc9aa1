import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { derEncode, derOctetString, ecSpkiDer, sec1PrivateScalar } from './der';
import { curveByName } from './curves';

describe('der', () => {
  it('reads the private scalar of a SEC1 key, matching the JWK d', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const scalar = sec1PrivateScalar(privateKey.export({ format: 'der', type: 'sec1' }));
    expect(scalar).toEqual(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
    expect(() => sec1PrivateScalar(derEncode(0x30, derEncode(0x02, Buffer.from([1]))))).toThrow(RangeError);
    expect(() => sec1PrivateScalar(Buffer.from([0x30, 0x05]))).toThrow(RangeError);
  });

  it('builds an EC SubjectPublicKeyInfo node:crypto reads back, P-192 included', () => {
    for (const name of ['prime192v1', 'prime256v1', 'secp384r1']) {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: name });
      const spki = publicKey.export({ format: 'der', type: 'spki' });
      const point = spki.subarray(spki.length - (1 + 2 * curveByName(name)!.fieldSize));
      expect(ecSpkiDer(curveByName(name)!.oidDer, point)).toEqual(spki);
      expect(
        createPublicKey({ key: ecSpkiDer(curveByName(name)!.oidDer, point), format: 'der', type: 'spki' })
          .asymmetricKeyDetails?.namedCurve,
      ).toBe(name);
    }
  });

  it('unwraps a DER OCTET STRING (CKA_EC_POINT) that fills the buffer, and nothing else', () => {
    const point = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]);
    expect(derOctetString(derEncode(0x04, point))).toEqual(point);
    expect(derOctetString(point)).toBeUndefined();
    expect(derOctetString(Buffer.concat([derEncode(0x04, point), Buffer.from([0])]))).toBeUndefined();
    expect(derOctetString(derEncode(0x03, point))).toBeUndefined();
  });
});
