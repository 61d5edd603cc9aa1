import { createHash, generateKeyPairSync, createSecretKey } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import {
  algorithmOfPublicKey,
  digestAlgorithmFor,
  ecdsaFieldSize,
  keyMaterialV2,
  publicKeyDigestV2,
  rawSignatureLength,
  toPublicKey,
} from './keys';
import { generateTestKey, type TestKey } from './testing/fixtures';

describe('keys', () => {
  let rsa: TestKey;

  beforeAll(() => {
    rsa = generateTestKey('rsa3072');
  });

  it.each([
    ['prime192v1', 'ecdsa-p192'],
    ['prime256v1', 'ecdsa-p256'],
    ['secp384r1', 'ecdsa-p384'],
  ])('recognises EC %s as %s (private or public)', (namedCurve, algorithm) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    expect(algorithmOfPublicKey(publicKey)).toBe(algorithm);
    expect(algorithmOfPublicKey(privateKey)).toBe(algorithm);
  });

  it('recognises RSA-3072 and refuses other sizes, curves and key types', () => {
    expect(algorithmOfPublicKey(rsa.publicKey)).toBe('rsa3072');
    const unsupported = [
      generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey,
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
      generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).publicKey,
      generateKeyPairSync('ed25519').publicKey,
      createSecretKey(Buffer.alloc(32)),
    ];
    for (const key of unsupported) {
      expect(() => algorithmOfPublicKey(key)).toThrow(
        expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
      );
    }
  });

  it('toPublicKey returns the public half', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(toPublicKey(privateKey).type).toBe('public');
    expect(toPublicKey(privateKey).equals(publicKey)).toBe(true);
    expect(toPublicKey(publicKey)).toBe(publicKey);
    expect(() => toPublicKey(createSecretKey(Buffer.alloc(16)))).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
    );
  });

  it('knows the digest, field and signature sizes per algorithm', () => {
    expect(digestAlgorithmFor('rsa3072')).toBe('sha256');
    expect(digestAlgorithmFor('ecdsa-p192')).toBe('sha256');
    expect(digestAlgorithmFor('ecdsa-p256')).toBe('sha256');
    expect(digestAlgorithmFor('ecdsa-p384')).toBe('sha384');
    expect([
      ecdsaFieldSize('ecdsa-p192'),
      ecdsaFieldSize('ecdsa-p256'),
      ecdsaFieldSize('ecdsa-p384'),
    ]).toEqual([24, 32, 48]);
    expect(() => ecdsaFieldSize('rsa3072')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(rawSignatureLength('rsa3072')).toBe(384);
    expect(rawSignatureLength('ecdsa-p384')).toBe(96);
  });

  it('publicKeyDigestV2 is SHA-256 over the key material as the block lays it out', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const material = keyMaterialV2(publicKey);
    expect(material.length).toBe(97);
    expect(material[0]).toBe(3);
    const jwk = publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    const y = Buffer.from(jwk.y!, 'base64url');
    expect(material.equals(Buffer.concat([Buffer.from([3]), x.reverse(), y.reverse()]))).toBe(true);
    const digest = publicKeyDigestV2(publicKey);
    expect(digest.equals(createHash('sha256').update(material).digest())).toBe(true);
    expect(publicKeyDigestV2(privateKey).equals(digest)).toBe(true);
  });

  it('key material lengths: RSA 776, P-192/P-256 65 (P-192 zero-filled)', () => {
    expect(keyMaterialV2(rsa.publicKey).length).toBe(776);
    const p192 = keyMaterialV2(generateKeyPairSync('ec', { namedCurve: 'prime192v1' }).publicKey);
    expect(p192.length).toBe(65);
    expect(p192[0]).toBe(1);
    expect(p192.subarray(49).equals(Buffer.alloc(16))).toBe(true);
    const p256 = keyMaterialV2(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);
    expect(p256.length).toBe(65);
    expect(p256[0]).toBe(2);
  });
});
