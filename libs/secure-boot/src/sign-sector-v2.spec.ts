import { createHash } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import type { DigestSigner, KeyAlgorithm } from './algorithms';
import { sealBlockFrame, SIGNATURE_BLOCK_SIZE } from './block-frame';
import { buildEspImage } from './image-builder';
import { keyMaterialV2, publicKeyDigestV2 } from './keys';
import { erasedBytes, paddedImageDigest, sectorPaddingLength, verifyPaddedSignature } from './padded-data';
import { signSectorV2 } from './sign-sector-v2';
import { signV2 } from './sign-v2';
import { verifyRawSignature } from './signature-check';
import { SECTOR_SIZE } from './signature-sector';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';
import { signV1, signV1Trailer, verifyV1, verifyV1Trailer } from './v1';
import { verifySectorV2, verifyV2 } from './verify-v2';

/** A signer that returns the signature it made the first time for a digest, so two signings can be compared byte for byte. */
function replaying(signer: DigestSigner): DigestSigner {
  const made = new Map<string, Buffer>();
  return {
    algorithm: signer.algorithm,
    publicKey: signer.publicKey,
    async sign(digest) {
      const key = digest.toString('hex');
      if (!made.has(key)) made.set(key, await signer.sign(digest));
      return made.get(key) as Buffer;
    },
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('padded data helpers', () => {
  it('pad to the next 4096 boundary and hash/verify as if the padding were there', async () => {
    const p256 = generateTestKey('ecdsa-p256');
    expect([0, 1, 4095, 4096, 4097, 10_000].map(sectorPaddingLength)).toEqual([0, 4095, 1, 0, 4095, 2288]);
    expect(erasedBytes(3).equals(Buffer.from([0xff, 0xff, 0xff]))).toBe(true);

    const data = seededBytes(10_000, 7);
    const padded = Buffer.concat([data, Buffer.alloc(2288, 0xff)]);
    expect(paddedImageDigest('ecdsa-p256', data, 2288).equals(createHash('sha256').update(padded).digest())).toBe(true);
    expect(paddedImageDigest('ecdsa-p384', data, 9000).equals(createHash('sha384').update(Buffer.concat([data, Buffer.alloc(9000, 0xff)])).digest())).toBe(true);

    const signature = await p256.signer.sign(createHash('sha256').update(padded).digest());
    expect(verifyPaddedSignature('ecdsa-p256', p256.publicKey, data, 2288, signature)).toBe(true);
    expect(verifyPaddedSignature('ecdsa-p256', p256.publicKey, data, 2287, signature)).toBe(false);
    expect(verifyPaddedSignature('rsa3072', p256.publicKey, data, 2288, signature)).toBe(false);
  });

  it('hands out key encodings that callers may change without touching the cached ones', () => {
    const p256 = generateTestKey('ecdsa-p256');
    const first = keyMaterialV2(p256.publicKey);
    const expected = Buffer.from(first);
    first.fill(0);
    expect(keyMaterialV2(p256.publicKey).equals(expected)).toBe(true);
    const digest = publicKeyDigestV2(p256.publicKey);
    digest.fill(0);
    expect(publicKeyDigestV2(p256.publicKey).equals(createHash('sha256').update(expected).digest())).toBe(true);
  });
});

describe('signSectorV2', () => {
  let keys: Record<KeyAlgorithm, TestKey>;

  beforeAll(() => {
    keys = {
      rsa3072: generateTestKey('rsa3072'),
      'ecdsa-p192': generateTestKey('ecdsa-p192'),
      'ecdsa-p256': generateTestKey('ecdsa-p256'),
      'ecdsa-p384': generateTestKey('ecdsa-p384'),
    };
  });

  it.each(['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'] as const)(
    'makes with %s the very file signV2 makes: data, 0xFF padding, sector',
    async (algorithm) => {
      const data = seededBytes(10_000, 1);
      const signer = replaying(keys[algorithm].signer);
      const made = await signSectorV2(data, [signer]);
      const whole = await signV2(data, [signer]);

      expect(made).toMatchObject({ paddingLength: 2288, signedDataLength: 12_288 });
      expect(made.sector.length).toBe(SECTOR_SIZE);
      const file = Buffer.concat([data, erasedBytes(made.paddingLength), made.sector]);
      expect(file.equals(whole.image)).toBe(true);
      expect(made.imageDigests).toEqual(whole.imageDigests);
      expect(made.blocks.map(({ index, algorithm: alg, imageDigest, keyDigest, signature, raw, embeddedKeyConsistent }) => ({
        index, alg, imageDigest, keyDigest, signature, raw, embeddedKeyConsistent,
      }))).toEqual(whole.blocks.map(({ index, algorithm: alg, imageDigest, keyDigest, signature, raw, embeddedKeyConsistent }) => ({
        index, alg, imageDigest, keyDigest, signature, raw, embeddedKeyConsistent,
      })));
      expect(made.blocks[0].publicKey.equals(keys[algorithm].publicKey)).toBe(true);
    },
  );

  it('signs with up to three keys in order, an aligned image without padding, and with skipPadding', async () => {
    const data = seededBytes(8192, 2);
    const signers = [keys['ecdsa-p256'].signer, keys['ecdsa-p384'].signer, keys.rsa3072.signer];
    const made = await signSectorV2(data, signers);
    expect(made.paddingLength).toBe(0);
    expect(made.blocks.map((block) => block.algorithm)).toEqual(['ecdsa-p256', 'ecdsa-p384', 'rsa3072']);
    const report = verifyV2(Buffer.concat([data, made.sector]), { publicKeys: signers.map((s) => s.publicKey), imageLayout: 'off' });
    expect(report).toMatchObject({ valid: true, validBlocks: [0, 1, 2] });

    const unpadded = await signSectorV2(seededBytes(5000, 3), [keys['ecdsa-p256'].signer], { skipPadding: true });
    expect(unpadded).toMatchObject({ paddingLength: 0, signedDataLength: 5000 });
  });

  it('uses digests the caller computed, and a wrong one makes a signature that does not verify', async () => {
    const data = seededBytes(10_000, 4);
    const digest = paddedImageDigest('ecdsa-p256', data, 2288);
    const signer = replaying(keys['ecdsa-p256'].signer);
    const given = await signSectorV2(data, [signer], { imageDigests: { sha256: digest } });
    expect(given.sector.equals((await signSectorV2(data, [signer])).sector)).toBe(true);
    await expect(signSectorV2(data, [signer], { imageDigests: { sha256: Buffer.alloc(32, 1) } })).rejects.toMatchObject({
      code: ErrorCode.SignatureVerificationFailed,
    });
  });

  it('refuses an empty image, too many keys, a signer lying about its key, and a bad signature', async () => {
    const p256 = keys['ecdsa-p256'].signer;
    await expect(signSectorV2(Buffer.alloc(0), [p256])).rejects.toMatchObject({ code: ErrorCode.InvalidImage });
    await expect(signSectorV2(seededBytes(100, 1), [p256, p256, p256, p256])).rejects.toMatchObject({
      code: ErrorCode.TooManySignatureBlocks,
    });
    const liar: DigestSigner = { ...p256, algorithm: 'rsa3072', sign: p256.sign.bind(p256) };
    await expect(signSectorV2(seededBytes(100, 1), [liar])).rejects.toMatchObject({ code: ErrorCode.UnsupportedKey });
    const wrong: DigestSigner = { algorithm: 'ecdsa-p256', publicKey: p256.publicKey, sign: async () => Buffer.alloc(64, 1) };
    await expect(signSectorV2(seededBytes(100, 1), [wrong])).rejects.toMatchObject({ code: ErrorCode.SignatureVerificationFailed });
    // Without the check the bad signature is placed as given (the caller verifies the sector).
    const unchecked = await signSectorV2(seededBytes(100, 1), [wrong], { verifySignatures: false });
    expect(verifySectorV2(seededBytes(100, 1), unchecked.sector, { publicKeys: [p256.publicKey] }).valid).toBe(false);
  });
});

describe('verifySectorV2', () => {
  let rsa: TestKey;
  let p256: TestKey;
  let other: TestKey;
  let image: Buffer;
  let sector: Buffer;

  beforeAll(async () => {
    rsa = generateTestKey('rsa3072');
    p256 = generateTestKey('ecdsa-p256');
    other = generateTestKey('ecdsa-p256');
    image = buildEspImage({ chipId: 13, size: 20_000, seed: 4 });
    sector = (await signSectorV2(image, [p256.signer, rsa.signer])).sector;
  });

  const fileOf = (data: Buffer, s: Buffer) => Buffer.concat([data, erasedBytes(sectorPaddingLength(data.length)), s]);
  const withoutLayout = ({ layout: _layout, ...rest }: ReturnType<typeof verifyV2>) => rest;

  it('reports what verifyV2 reports for the assembled file, with trusted keys, digests or nothing', () => {
    const file = fileOf(image, sector);
    for (const options of [
      { publicKeys: [p256.publicKey, rsa.publicKey] },
      { publicKeys: [other.publicKey] },
      { expectedKeyDigests: [publicKeyDigestV2(rsa.publicKey).subarray(0, 16)] },
      {},
    ]) {
      expect(verifySectorV2(image, sector, options)).toEqual(withoutLayout(verifyV2(file, options)));
    }
    expect(verifySectorV2(image, sector, { publicKeys: [p256.publicKey, rsa.publicKey] })).toMatchObject({
      valid: true,
      validBlocks: [0, 1],
      signedDataLength: 20_480,
      problems: [],
    });
  });

  it('finds changed data, changed padding, a tampered block and a foreign key', () => {
    const trusted = { publicKeys: [p256.publicKey, rsa.publicKey] };
    const changed = Buffer.from(image);
    changed[100] ^= 1;
    expect(verifySectorV2(changed, sector, trusted).valid).toBe(false);
    expect(verifySectorV2(image, sector, { ...trusted, paddingLength: 4096 + 480 }).valid).toBe(false);

    const tampered = Buffer.from(sector);
    tampered[SIGNATURE_BLOCK_SIZE + 900] ^= 1; // inside block 1's RSA signature
    sealBlockFrame(tampered.subarray(SIGNATURE_BLOCK_SIZE, 2 * SIGNATURE_BLOCK_SIZE));
    const report = verifySectorV2(image, tampered, trusted);
    expect(report.validBlocks).toEqual([0]);
    expect(report.blocks[1]).toMatchObject({ signatureOk: false, keyTrusted: true, imageDigestOk: true });
    expect(report).toEqual(withoutLayout(verifyV2(fileOf(image, tampered), trusted)));

    const foreign = verifySectorV2(image, sector, { publicKeys: [other.publicKey] });
    expect(foreign.blocks.map((b) => b.keyTrusted)).toEqual([false, false]);
    expect(foreign.blocks[0].keyDigest.equals(publicKeyDigestV2(p256.publicKey))).toBe(true);
    expect(foreign.blocks[1].keyDigest.equals(createHash('sha256').update(keyMaterialV2(rsa.publicKey)).digest())).toBe(true);
  });

  it('compares block digests with digests the caller computed, and still checks signatures over the data', () => {
    const trusted = { publicKeys: [p256.publicKey, rsa.publicKey] };
    const digest = paddedImageDigest('ecdsa-p256', image, 480);
    expect(verifySectorV2(image, sector, { ...trusted, imageDigests: { sha256: digest } }).valid).toBe(true);
    const wrong = verifySectorV2(image, sector, { ...trusted, imageDigests: { sha256: Buffer.alloc(32) } });
    expect(wrong.blocks.map((b) => [b.imageDigestOk, b.signatureOk])).toEqual([
      [false, true],
      [false, true],
    ]);
    const changed = Buffer.from(image);
    changed[5000] ^= 1;
    expect(verifySectorV2(changed, sector, { ...trusted, imageDigests: { sha256: digest } }).blocks.map((b) => b.signatureOk)).toEqual([false, false]);
  });

  it('refuses a sector of the wrong size', () => {
    expect(codeOf(() => verifySectorV2(image, sector.subarray(1)))).toBe(ErrorCode.ImageNotAligned);
  });
});

describe('V1 trailer', () => {
  it('signs and verifies the 68 appended bytes on their own', async () => {
    const p256 = generateTestKey('ecdsa-p256');
    const data = seededBytes(5000, 9);
    const trailer = await signV1Trailer(data, p256.signer);
    expect(trailer.length).toBe(68);
    expect(trailer.readUInt32LE(0)).toBe(0);
    expect(verifyRawSignature('ecdsa-p256', p256.publicKey, data, trailer.subarray(4))).toBe(true);
    expect(verifyV1Trailer(data, trailer, p256.publicKey)).toBe(true);
    expect(verifyV1(Buffer.concat([data, trailer]), p256.publicKey)).toBe(true);
    expect(verifyV1(await signV1(data, p256.signer), p256.publicKey)).toBe(true);

    const versioned = Buffer.from(trailer);
    versioned[0] = 1;
    expect(verifyV1Trailer(data, versioned, p256.publicKey)).toBe(false);
    expect(verifyV1Trailer(data, trailer.subarray(1), p256.publicKey)).toBe(false);
    expect(verifyV1Trailer(seededBytes(5000, 10), trailer, p256.publicKey)).toBe(false);
  });
});
