import { createHash } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import type { DigestSigner, KeyAlgorithm } from './algorithms';
import { publicKeyDigestV2 } from './keys';
import { signV2 } from './sign-v2';
import { SIGNATURE_BLOCK_SIZE } from './block-frame';
import { readSignatureSector, SECTOR_SIZE } from './signature-sector';
import { verifyRawSignature } from './signature-check';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';
import { verifyV2 } from './verify-v2';

describe('signV2', () => {
  let keys: Record<KeyAlgorithm, TestKey>;
  let rsaB: TestKey;
  let p256B: TestKey;

  beforeAll(() => {
    keys = {
      rsa3072: generateTestKey('rsa3072'),
      'ecdsa-p192': generateTestKey('ecdsa-p192'),
      'ecdsa-p256': generateTestKey('ecdsa-p256'),
      'ecdsa-p384': generateTestKey('ecdsa-p384'),
    };
    rsaB = generateTestKey('rsa3072');
    p256B = generateTestKey('ecdsa-p256');
  });

  const sectorOf = (image: Buffer): Buffer => image.subarray(image.length - SECTOR_SIZE);

  it.each(['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'] as const)(
    'signs unaligned data with %s: pads with 0xFF, one block, 0xFF sector fill',
    async (algorithm) => {
      const data = seededBytes(10_000, 1);
      const result = await signV2(data, [keys[algorithm].signer]);

      expect(result.signedDataLength).toBe(12_288);
      expect(result.image.length).toBe(12_288 + SECTOR_SIZE);
      expect(result.image.subarray(0, 10_000).equals(data)).toBe(true);
      expect(result.image.subarray(10_000, 12_288).equals(Buffer.alloc(2288, 0xff))).toBe(true);
      expect(
        sectorOf(result.image)
          .subarray(SIGNATURE_BLOCK_SIZE)
          .equals(Buffer.alloc(4096 - 1216, 0xff)),
      ).toBe(true);
      expect(result.keptBlocks).toBe(0);
      expect(result.notice).toBeUndefined();

      const hash = algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
      const digest = createHash(hash).update(result.image.subarray(0, 12_288)).digest();
      expect(result.imageDigests).toEqual([digest]);
      expect(result.blocks).toHaveLength(1);
      const [block] = result.blocks;
      expect(block.algorithm).toBe(algorithm);
      expect(block.imageDigest.equals(digest)).toBe(true);
      expect(block.keyDigest.equals(publicKeyDigestV2(keys[algorithm].publicKey))).toBe(true);
      expect(block.raw.equals(sectorOf(result.image).subarray(0, SIGNATURE_BLOCK_SIZE))).toBe(true);
      expect(
        verifyRawSignature(
          algorithm,
          keys[algorithm].publicKey,
          result.image.subarray(0, 12_288),
          block.signature,
        ),
      ).toBe(true);

      const report = verifyV2(result.image, { publicKeys: [keys[algorithm].publicKey] });
      expect(report.valid).toBe(true);
      expect(report.validBlocks).toEqual([0]);
    },
  );

  it('does not pad data that is already a multiple of 4096', async () => {
    const data = seededBytes(8192, 2);
    const result = await signV2(data, [keys['ecdsa-p256'].signer]);
    expect(result.signedDataLength).toBe(8192);
    expect(result.image.length).toBe(8192 + SECTOR_SIZE);
    expect(result.image.subarray(0, 8192).equals(data)).toBe(true);
  });

  it('writes 2 and 3 blocks in signer order over the same data, keys may be mixed', async () => {
    const data = seededBytes(5000, 3);
    const two = await signV2(data, [keys.rsa3072.signer, rsaB.signer]);
    expect(two.blocks.map((b) => b.index)).toEqual([0, 1]);
    expect(two.blocks[1].keyDigest.equals(publicKeyDigestV2(rsaB.publicKey))).toBe(true);
    expect(
      sectorOf(two.image)
        .subarray(2 * SIGNATURE_BLOCK_SIZE)
        .equals(Buffer.alloc(4096 - 2432, 0xff)),
    ).toBe(true);

    const mixed = await signV2(data, [
      keys.rsa3072.signer,
      keys['ecdsa-p256'].signer,
      keys['ecdsa-p384'].signer,
    ]);
    expect(mixed.blocks.map((b) => b.algorithm)).toEqual(['rsa3072', 'ecdsa-p256', 'ecdsa-p384']);
    expect(mixed.imageDigests.map((d) => d.length)).toEqual([32, 32, 48]);
    const decoded = readSignatureSector(sectorOf(mixed.image));
    expect(decoded.map((b) => b.raw)).toEqual(mixed.blocks.map((b) => b.raw));
    expect(
      sectorOf(mixed.image)
        .subarray(3 * SIGNATURE_BLOCK_SIZE)
        .equals(Buffer.alloc(4096 - 3648, 0xff)),
    ).toBe(true);
    const report = verifyV2(mixed.image);
    expect(report.validBlocks).toEqual([0, 1, 2]);
  });

  it('refuses more than 3 signers and zero signers', async () => {
    const data = seededBytes(100, 4);
    const s = keys['ecdsa-p256'].signer;
    await expect(signV2(data, [s, s, s, s])).rejects.toMatchObject({
      code: ErrorCode.TooManySignatureBlocks,
    });
    await expect(signV2(data, [])).rejects.toMatchObject({ code: ErrorCode.InvalidArgument });
  });

  it('signs empty data into a 4096-byte file (the sector alone), like espsecure', async () => {
    const signed = await signV2(Buffer.alloc(0), [keys['ecdsa-p256'].signer]);
    expect(signed.image.length).toBe(SECTOR_SIZE);
    expect(signed.signedDataLength).toBe(0);
    expect(signed.imageDigests[0]).toEqual(createHash('sha256').update(Buffer.alloc(0)).digest());
    expect(verifyV2(signed.image, { publicKeys: [keys['ecdsa-p256'].publicKey] }).valid).toBe(true);
  });

  it('without append, signing a signed file signs the old sector as data (file grows by 4096)', async () => {
    const first = await signV2(seededBytes(4096, 5), [keys['ecdsa-p256'].signer]);
    const second = await signV2(first.image, [p256B.signer]);
    expect(second.image.length).toBe(first.image.length + SECTOR_SIZE);
    expect(second.image.subarray(0, first.image.length).equals(first.image)).toBe(true);
    expect(second.blocks).toHaveLength(1);
  });

  describe('appendSignatures', () => {
    it('keeps existing blocks byte-for-byte, adds the new ones after them, file size unchanged', async () => {
      const first = await signV2(seededBytes(6000, 6), [keys.rsa3072.signer]);
      const second = await signV2(first.image, [rsaB.signer], { appendSignatures: true });

      expect(second.image.length).toBe(first.image.length);
      expect(second.keptBlocks).toBe(1);
      expect(second.notice).toBeUndefined();
      expect(second.signedDataLength).toBe(first.signedDataLength);
      const oldSector = sectorOf(first.image);
      const newSector = sectorOf(second.image);
      expect(
        newSector.subarray(0, SIGNATURE_BLOCK_SIZE).equals(oldSector.subarray(0, SIGNATURE_BLOCK_SIZE)),
      ).toBe(true);
      expect(second.blocks.map((b) => b.index)).toEqual([0, 1]);
      expect(second.blocks[1].keyDigest.equals(publicKeyDigestV2(rsaB.publicKey))).toBe(true);
      expect(
        second.image
          .subarray(0, second.signedDataLength)
          .equals(first.image.subarray(0, first.signedDataLength)),
      ).toBe(true);

      const third = await signV2(second.image, [keys['ecdsa-p256'].signer], { appendSignatures: true });
      expect(third.image.length).toBe(first.image.length);
      expect(third.keptBlocks).toBe(2);
      expect(
        sectorOf(third.image)
          .subarray(0, 2 * SIGNATURE_BLOCK_SIZE)
          .equals(newSector.subarray(0, 2432)),
      ).toBe(true);
      expect(verifyV2(third.image).validBlocks).toEqual([0, 1, 2]);

      await expect(signV2(third.image, [p256B.signer], { appendSignatures: true })).rejects.toMatchObject({
        code: ErrorCode.TooManySignatureBlocks,
      });
    });

    it('refuses new blocks that exceed the free slots', async () => {
      const first = await signV2(seededBytes(100, 7), [keys['ecdsa-p256'].signer, p256B.signer]);
      await expect(
        signV2(first.image, [keys['ecdsa-p256'].signer, p256B.signer], { appendSignatures: true }),
      ).rejects.toMatchObject({ code: ErrorCode.TooManySignatureBlocks });
    });

    it("signs the whole aligned file as new data with 'No valid signature blocks found' when no block is valid", async () => {
      const data = seededBytes(8192, 8);
      const result = await signV2(data, [keys['ecdsa-p256'].signer], { appendSignatures: true });
      expect(result.notice).toBe('No valid signature blocks found');
      expect(result.keptBlocks).toBe(0);
      expect(result.signedDataLength).toBe(8192);
      expect(result.image.length).toBe(8192 + SECTOR_SIZE);
      expect(result.image.subarray(0, 8192).equals(data)).toBe(true);
    });

    it('treats a block with a broken CRC as absent (stops there)', async () => {
      const first = await signV2(seededBytes(100, 9), [keys['ecdsa-p256'].signer, p256B.signer]);
      const broken = Buffer.from(first.image);
      broken[first.signedDataLength + 1196] ^= 0x01; // CRC of block 0
      const result = await signV2(broken, [keys['ecdsa-p256'].signer], { appendSignatures: true });
      expect(result.notice).toBe('No valid signature blocks found');
      expect(result.signedDataLength).toBe(broken.length);
    });

    it('pads and signs afresh when the input is not aligned', async () => {
      const result = await signV2(seededBytes(5000, 10), [keys['ecdsa-p256'].signer], {
        appendSignatures: true,
      });
      expect(result.keptBlocks).toBe(0);
      expect(result.notice).toBeUndefined();
      expect(result.signedDataLength).toBe(8192);
    });
  });

  it('skipPadding appends the sector directly after unaligned data', async () => {
    const data = seededBytes(5001, 11);
    const result = await signV2(data, [keys['ecdsa-p384'].signer], { skipPadding: true });
    expect(result.signedDataLength).toBe(5001);
    expect(result.image.length).toBe(5001 + SECTOR_SIZE);
    expect(result.imageDigests[0].equals(createHash('sha384').update(data).digest())).toBe(true);
    expect(verifyV2(result.image, { skipPadding: true }).valid).toBe(true);
  });

  it('refuses a signer whose signature does not verify', async () => {
    const good = keys['ecdsa-p256'].signer;
    const liar: DigestSigner = { ...good, sign: async (digest) => good.sign(Buffer.from(digest).fill(0)) };
    await expect(signV2(seededBytes(100, 12), [liar])).rejects.toMatchObject({
      code: ErrorCode.SignatureVerificationFailed,
    });
    const wrongLength: DigestSigner = { ...good, sign: async () => Buffer.alloc(63) };
    await expect(signV2(seededBytes(100, 12), [wrongLength])).rejects.toMatchObject({
      code: ErrorCode.SignatureVerificationFailed,
    });
  });

  it('refuses a signer whose algorithm does not match its key', async () => {
    const mislabelled: DigestSigner = { ...keys['ecdsa-p384'].signer, algorithm: 'ecdsa-p256' };
    await expect(signV2(seededBytes(100, 13), [mislabelled])).rejects.toMatchObject({
      code: ErrorCode.UnsupportedKey,
    });
  });
});
