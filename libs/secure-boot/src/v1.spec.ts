import { createHash, sign } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import type { DigestSigner } from './algorithms';
import { derEcdsaToRaw } from './ecdsa-codec';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';
import {
  attachSignatureV1,
  publicKeyFromV1Raw,
  publicKeyToV1Raw,
  signV1,
  V1_SIGNATURE_LENGTH,
  verifyV1,
} from './v1';

describe('Secure Boot V1', () => {
  let p256: TestKey;
  let other: TestKey;
  const data = seededBytes(5003, 31); // V1 never pads

  beforeAll(() => {
    p256 = generateTestKey('ecdsa-p256');
    other = generateTestKey('ecdsa-p256');
  });

  it('signV1 appends 00000000 || r || s over SHA-256 of the unpadded data', async () => {
    let seenDigest: Buffer | undefined;
    const recording: DigestSigner = {
      ...p256.signer,
      sign: async (digest) => {
        seenDigest = digest;
        return p256.signer.sign(digest);
      },
    };
    const signed = await signV1(data, recording);
    expect(V1_SIGNATURE_LENGTH).toBe(68);
    expect(signed.length).toBe(data.length + 68);
    expect(signed.subarray(0, data.length).equals(data)).toBe(true);
    expect(signed.subarray(data.length, data.length + 4).equals(Buffer.alloc(4))).toBe(true);
    expect(seenDigest?.equals(createHash('sha256').update(data).digest())).toBe(true);
    expect(verifyV1(signed, p256.publicKey)).toBe(true);
    expect(verifyV1(signed, other.publicKey)).toBe(false);
  });

  it('refuses non-P-256 signers and signatures that do not verify', async () => {
    await expect(signV1(data, generateTestKey('ecdsa-p384').signer)).rejects.toMatchObject({
      code: ErrorCode.UnsupportedKey,
    });
    const liar: DigestSigner = { ...p256.signer, sign: async () => Buffer.alloc(64, 1) };
    await expect(signV1(data, liar)).rejects.toMatchObject({ code: ErrorCode.SignatureVerificationFailed });
  });

  it('attachSignatureV1 appends a verified raw r||s signature', () => {
    const raw = derEcdsaToRaw(sign('sha256', data, p256.privateKey), 32);
    const signed = attachSignatureV1(data, p256.publicKey, raw);
    expect(signed.equals(Buffer.concat([data, Buffer.alloc(4), raw]))).toBe(true);
    expect(verifyV1(signed, p256.publicKey)).toBe(true);

    expect(() => attachSignatureV1(data, other.publicKey, raw)).toThrow(
      expect.objectContaining({ code: ErrorCode.SignatureVerificationFailed }),
    );
    expect(() => attachSignatureV1(data, p256.publicKey, raw.subarray(1))).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it('verifyV1 rejects tampering, a non-zero version word and short files', () => {
    const raw = derEcdsaToRaw(sign('sha256', data, p256.privateKey), 32);
    const signed = attachSignatureV1(data, p256.publicKey, raw);
    const dataFlip = Buffer.from(signed);
    dataFlip[7] ^= 1;
    expect(verifyV1(dataFlip, p256.publicKey)).toBe(false);
    const versionFlip = Buffer.from(signed);
    versionFlip[data.length] = 1;
    expect(verifyV1(versionFlip, p256.publicKey)).toBe(false);
    const sigFlip = Buffer.from(signed);
    sigFlip[signed.length - 1] ^= 1;
    expect(verifyV1(sigFlip, p256.publicKey)).toBe(false);
    expect(verifyV1(Buffer.alloc(67), p256.publicKey)).toBe(false);
    expect(() => verifyV1(signed, generateTestKey('ecdsa-p192').publicKey)).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
    );
  });

  it('converts public keys to and from the 64-byte X||Y big-endian form', () => {
    const raw = publicKeyToV1Raw(p256.privateKey);
    const jwk = p256.publicKey.export({ format: 'jwk' });
    expect(
      raw.equals(Buffer.concat([Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])),
    ).toBe(true);
    expect(publicKeyFromV1Raw(raw).equals(p256.publicKey)).toBe(true);
    const offCurve = Buffer.from(raw);
    offCurve[63] ^= 1;
    expect(() => publicKeyFromV1Raw(offCurve)).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
    );
    expect(() => publicKeyFromV1Raw(raw.subarray(1))).toThrow(
      expect.objectContaining({ code: ErrorCode.UnsupportedKey }),
    );
  });
});
