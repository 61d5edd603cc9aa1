import { constants, sign } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { derEcdsaToRaw } from './ecdsa-codec';
import { attachSignaturesV2 } from './external-signatures-v2';
import { digestAlgorithmFor, ecdsaFieldSize, publicKeyDigestV2 } from './keys';
import { buildSignatureSector } from './signature-sector';
import { encodeSignatureBlock } from './signature-block';
import { imageDigestFor } from './signature-check';
import { signV2 } from './sign-v2';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';
import { verifyV2 } from './verify-v2';

/** A signature as openssl dgst -sign makes it: RSA-PSS raw BE, ECDSA DER. */
function externalSignature(key: TestKey, algorithm: KeyAlgorithm, data: Buffer): Buffer {
  const hash = digestAlgorithmFor(algorithm);
  return algorithm === 'rsa3072'
    ? sign(hash, data, { key: key.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : sign(hash, data, key.privateKey);
}

describe('attachSignaturesV2', () => {
  const algorithms = ['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'] as const;
  let keys: Record<KeyAlgorithm, TestKey>;
  const data = seededBytes(3 * 4096, 21);

  beforeAll(() => {
    keys = Object.fromEntries(algorithms.map((a) => [a, generateTestKey(a)])) as Record<
      KeyAlgorithm,
      TestKey
    >;
  });

  it.each(algorithms)('attaches a %s signature byte-identically to the block builder', (algorithm) => {
    const signature = externalSignature(keys[algorithm], algorithm, data);
    const result = attachSignaturesV2(data, [{ publicKey: keys[algorithm].publicKey, signature }]);

    const raw = algorithm === 'rsa3072' ? signature : derEcdsaToRaw(signature, ecdsaFieldSize(algorithm));
    const expectedBlock = encodeSignatureBlock({
      algorithm,
      imageDigest: imageDigestFor(algorithm, data),
      publicKey: keys[algorithm].publicKey,
      signature: raw,
    });
    expect(result.image.equals(Buffer.concat([data, buildSignatureSector([expectedBlock])]))).toBe(true);
    expect(result.blocks[0].signature.equals(raw)).toBe(true);
    expect(result.signedDataLength).toBe(data.length);
    expect(verifyV2(result.image, { publicKeys: [keys[algorithm].publicKey] }).valid).toBe(true);
  });

  it('pairs several keys and signatures in order and accepts a private key as the key', () => {
    const result = attachSignaturesV2(data, [
      {
        publicKey: keys['ecdsa-p256'].privateKey,
        signature: externalSignature(keys['ecdsa-p256'], 'ecdsa-p256', data),
      },
      { publicKey: keys.rsa3072.publicKey, signature: externalSignature(keys.rsa3072, 'rsa3072', data) },
    ]);
    expect(result.blocks.map((b) => b.algorithm)).toEqual(['ecdsa-p256', 'rsa3072']);
    expect(result.blocks[0].keyDigest.equals(publicKeyDigestV2(keys['ecdsa-p256'].publicKey))).toBe(true);
    expect(verifyV2(result.image).validBlocks).toEqual([0, 1]);
  });

  it('appends to an existing sector: external signatures cover the data without the sector', async () => {
    const first = await signV2(data, [keys['ecdsa-p384'].signer]);
    const appended = attachSignaturesV2(
      first.image,
      [{ publicKey: keys.rsa3072.publicKey, signature: externalSignature(keys.rsa3072, 'rsa3072', data) }],
      { appendSignatures: true },
    );
    expect(appended.image.length).toBe(first.image.length);
    expect(appended.keptBlocks).toBe(1);
    expect(appended.blocks[0].raw.equals(first.blocks[0].raw)).toBe(true);
    expect(verifyV2(appended.image).validBlocks).toEqual([0, 1]);
  });

  it('refuses input that is not a multiple of 4096 (never pads)', () => {
    const unaligned = data.subarray(0, data.length - 1);
    const signature = externalSignature(keys['ecdsa-p256'], 'ecdsa-p256', unaligned);
    expect(() =>
      attachSignaturesV2(unaligned, [{ publicKey: keys['ecdsa-p256'].publicKey, signature }]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.ImageNotAligned }));
  });

  it.each(algorithms)('refuses a %s signature over other data', (algorithm) => {
    const signature = externalSignature(keys[algorithm], algorithm, seededBytes(data.length, 99));
    expect(() => attachSignaturesV2(data, [{ publicKey: keys[algorithm].publicKey, signature }])).toThrow(
      expect.objectContaining({
        code: ErrorCode.SignatureVerificationFailed,
        message: expect.stringMatching(/Signature verification failed/),
      }),
    );
  });

  it('refuses a signature paired with the wrong key', () => {
    const signature = externalSignature(keys['ecdsa-p256'], 'ecdsa-p256', data);
    const other = generateTestKey('ecdsa-p256');
    expect(() => attachSignaturesV2(data, [{ publicKey: other.publicKey, signature }])).toThrow(
      expect.objectContaining({ code: ErrorCode.SignatureVerificationFailed }),
    );
  });

  it('refuses raw r||s where DER is expected, and a truncated RSA signature', () => {
    const der = externalSignature(keys['ecdsa-p256'], 'ecdsa-p256', data);
    const raw = derEcdsaToRaw(der, 32);
    expect(() =>
      attachSignaturesV2(data, [{ publicKey: keys['ecdsa-p256'].publicKey, signature: raw }]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    const rsaSignature = externalSignature(keys.rsa3072, 'rsa3072', data).subarray(1);
    expect(() =>
      attachSignaturesV2(data, [{ publicKey: keys.rsa3072.publicKey, signature: rsaSignature }]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.SignatureVerificationFailed }));
  });

  it('refuses more than 3 signatures', () => {
    const entry = {
      publicKey: keys['ecdsa-p256'].publicKey,
      signature: externalSignature(keys['ecdsa-p256'], 'ecdsa-p256', data),
    };
    expect(() => attachSignaturesV2(data, [entry, entry, entry, entry])).toThrow(
      expect.objectContaining({ code: ErrorCode.TooManySignatureBlocks }),
    );
  });
});
