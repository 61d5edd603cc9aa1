import { createHash, generateKeyPairSync, sign, constants } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { bigIntFromBE, bigIntFromLE, modPow } from './bigint-bytes';
import { crc32 } from './crc';
import {
  decodeRsaBlock,
  encodeRsaBlock,
  encodeRsaKeyMaterial,
  RSA_BLOCK_OFFSETS,
  rsaMontgomeryConstants,
} from './rsa-block';
import { generateTestKey, type TestKey } from './testing/fixtures';

describe('RSA-3072 block', () => {
  let key: TestKey;
  let n: bigint;
  const data = Buffer.from('rsa block test data');
  const digest = createHash('sha256').update(data).digest();
  let signature: Buffer;

  beforeAll(() => {
    key = generateTestKey('rsa3072');
    n = bigIntFromBE(Buffer.from(key.publicKey.export({ format: 'jwk' }).n!, 'base64url'));
    signature = sign('sha256', data, {
      key: key.privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 32,
    });
  });

  it("computes R = 2^6144 mod n and M' = -n^-1 mod 2^32", () => {
    const { r, mPrime } = rsaMontgomeryConstants(n);
    const rMont = modPow(2n, 3072n, n);
    expect(r).toBe((rMont * rMont) % n);
    expect((n * BigInt(mPrime) + 1n) % (1n << 32n)).toBe(0n);
    expect(mPrime).toBeGreaterThanOrEqual(0);
    expect(mPrime).toBeLessThan(2 ** 32);
    // Hand-checkable: 3^-1 mod 2^32 = 0xAAAAAAAB, so M' = 0x55555555; 2^6144 mod 3 = 1.
    expect(rsaMontgomeryConstants(3n)).toEqual({ r: 1n, mPrime: 0x55555555 });
  });

  it("lays out digest, n, e, R, M', reversed signature, CRC and zero tail", () => {
    const block = encodeRsaBlock({ imageDigest: digest, publicKey: key.publicKey, signature });
    const o = RSA_BLOCK_OFFSETS;
    expect(block.length).toBe(1216);
    expect([...block.subarray(0, 4)]).toEqual([0xe7, 0x02, 0x00, 0x00]);
    expect(block.subarray(4, 36).equals(digest)).toBe(true);
    expect(bigIntFromLE(block.subarray(o.modulus, o.modulus + 384))).toBe(n);
    expect(block.subarray(o.exponent, o.exponent + 4).toString('hex')).toBe('01000100');
    const { r, mPrime } = rsaMontgomeryConstants(n);
    expect(bigIntFromLE(block.subarray(o.rinv, o.rinv + 384))).toBe(r);
    expect(block.readUInt32LE(o.mPrime)).toBe(mPrime);
    expect(block.subarray(812, 1196).equals(Buffer.from(signature).reverse())).toBe(true);
    expect(block.readUInt32LE(1196)).toBe(crc32(block.subarray(0, 1196)));
    expect(block.subarray(1200).equals(Buffer.alloc(16))).toBe(true);
    expect(encodeRsaKeyMaterial(key.publicKey).equals(block.subarray(36, 812))).toBe(true);
  });

  it("decodes what it encodes and notices tampered R or M'", () => {
    const block = encodeRsaBlock({ imageDigest: digest, publicKey: key.publicKey, signature });
    const decoded = decodeRsaBlock(block);
    expect(decoded.imageDigest.equals(digest)).toBe(true);
    expect(decoded.publicKey.equals(key.publicKey)).toBe(true);
    expect(decoded.signature.equals(signature)).toBe(true);
    expect(decoded.keyMaterial.equals(block.subarray(36, 812))).toBe(true);
    expect(decoded.montgomeryConstantsOk).toBe(true);

    for (const offset of [RSA_BLOCK_OFFSETS.rinv, RSA_BLOCK_OFFSETS.mPrime + 3]) {
      const tampered = Buffer.from(block);
      tampered[offset] ^= 0x80;
      expect(decodeRsaBlock(tampered).montgomeryConstantsOk).toBe(false);
    }
  });

  it('refuses an unusable embedded modulus or exponent', () => {
    const block = encodeRsaBlock({ imageDigest: digest, publicKey: key.publicKey, signature });
    const even = Buffer.from(block);
    even[RSA_BLOCK_OFFSETS.modulus] &= 0xfe;
    const short = Buffer.from(block);
    short[RSA_BLOCK_OFFSETS.modulus + 383] = 0;
    const badExponent = Buffer.from(block);
    badExponent.writeUInt32LE(4, RSA_BLOCK_OFFSETS.exponent);
    for (const raw of [even, short, badExponent]) {
      expect(() => decodeRsaBlock(raw)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidSignatureBlock }),
      );
    }
  });

  it('refuses other key sizes, digest sizes and signature sizes', () => {
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(() => encodeRsaKeyMaterial(rsa1024)).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
    );
    expect(() =>
      encodeRsaBlock({ imageDigest: digest.subarray(1), publicKey: key.publicKey, signature }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidDigest }));
    expect(() =>
      encodeRsaBlock({ imageDigest: digest, publicKey: key.publicKey, signature: signature.subarray(1) }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.SignatureVerificationFailed }));
  });
});
