import { ErrorCode } from '@fleetsign/errors';
import { sealBlockFrame, SIGNATURE_BLOCK_SIZE } from './block-frame';
import { buildEspImage } from './image-builder';
import { keyMaterialV2, publicKeyDigestV2 } from './keys';
import { RSA_BLOCK_OFFSETS } from './rsa-block';
import { signV2 } from './sign-v2';
import { SECTOR_SIZE } from './signature-sector';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';
import { verifyV2 } from './verify-v2';

describe('verifyV2', () => {
  let rsa: TestKey;
  let p256: TestKey;
  let p256Other: TestKey;
  let p384: TestKey;
  let rsaSigned: Buffer;
  let ecSigned: Buffer;

  beforeAll(async () => {
    rsa = generateTestKey('rsa3072');
    p256 = generateTestKey('ecdsa-p256');
    p256Other = generateTestKey('ecdsa-p256');
    p384 = generateTestKey('ecdsa-p384');
    rsaSigned = (await signV2(seededBytes(9000, 1), [rsa.signer])).image;
    ecSigned = (await signV2(seededBytes(9000, 2), [p256.signer, p384.signer])).image;
  });

  /** A copy of `file` with block `index` changed by `edit`, re-sealed (valid CRC) unless `reseal` is false. */
  function tamper(file: Buffer, index: number, edit: (block: Buffer) => void, reseal = true): Buffer {
    const copy = Buffer.from(file);
    const start = copy.length - SECTOR_SIZE + index * SIGNATURE_BLOCK_SIZE;
    const block = copy.subarray(start, start + SIGNATURE_BLOCK_SIZE);
    edit(block);
    if (reseal) sealBlockFrame(block);
    return copy;
  }

  it('accepts a correctly signed file and reports every check', () => {
    const report = verifyV2(rsaSigned, { publicKeys: [rsa.publicKey] });
    expect(report).toMatchObject({ valid: true, validBlocks: [0], signedDataLength: 12_288, problems: [] });
    expect(report.blocks[0]).toMatchObject({
      index: 0,
      algorithm: 'rsa3072',
      imageDigestOk: true,
      embeddedKeyConsistent: true,
      keyTrusted: true,
      signatureOk: true,
      valid: true,
      problems: [],
    });
    expect(report.blocks[0].keyDigest.equals(publicKeyDigestV2(rsa.publicKey))).toBe(true);
  });

  it('leaves keyTrusted undefined when no trusted keys or digests are given', () => {
    const report = verifyV2(ecSigned);
    expect(report.valid).toBe(true);
    expect(report.blocks.map((b) => b.keyTrusted)).toEqual([undefined, undefined]);
  });

  it('checks eFuse digests: 32 bytes, or the first 16 bytes (ESP32-C2)', () => {
    const digest = publicKeyDigestV2(p384.publicKey);
    const full = verifyV2(ecSigned, { expectedKeyDigests: [digest] });
    expect(full.validBlocks).toEqual([1]);
    expect(full.blocks[0].keyTrusted).toBe(false);
    expect(full.valid).toBe(true);

    const half = verifyV2(ecSigned, {
      expectedKeyDigests: [publicKeyDigestV2(p256.publicKey).subarray(0, 16)],
    });
    expect(half.validBlocks).toEqual([0]);

    expect(() => verifyV2(ecSigned, { expectedKeyDigests: [Buffer.alloc(20)] })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it('rejects a block signed by an untrusted key', () => {
    const report = verifyV2(ecSigned, { publicKeys: [p256Other.publicKey] });
    expect(report.valid).toBe(false);
    expect(report.validBlocks).toEqual([]);
    expect(report.blocks.every((b) => b.keyTrusted === false && b.signatureOk)).toBe(true);
    expect(report.blocks[0].problems.join()).toMatch(/not a trusted key digest/);
  });

  it('detects a flipped image-digest byte in the block', () => {
    const report = verifyV2(tamper(rsaSigned, 0, (b) => (b[RSA_BLOCK_OFFSETS.imageDigest + 5] ^= 0x20)));
    expect(report.valid).toBe(false);
    expect(report.blocks[0].imageDigestOk).toBe(false);
    expect(report.blocks[0].problems.join()).toMatch(/image digest does not match/);
  });

  it('detects a flipped byte in the signed data', () => {
    const file = Buffer.from(ecSigned);
    file[100] ^= 0x01;
    const report = verifyV2(file);
    expect(report.valid).toBe(false);
    expect(report.blocks.map((b) => [b.imageDigestOk, b.signatureOk])).toEqual([
      [false, false],
      [false, false],
    ]);
  });

  it('detects a tampered signature', () => {
    const report = verifyV2(tamper(rsaSigned, 0, (b) => (b[RSA_BLOCK_OFFSETS.signature + 10] ^= 0x01)));
    expect(report.blocks[0]).toMatchObject({ imageDigestOk: true, signatureOk: false, valid: false });
  });

  it('detects a signature made by another key than the embedded one', () => {
    // Block 0 of ecSigned with the embedded P-256 key replaced by another valid P-256 key.
    const other = tamper(ecSigned, 0, (b) => keyMaterialV2(p256Other.publicKey).copy(b, 36));
    const report = verifyV2(other);
    expect(report.blocks[0]).toMatchObject({ imageDigestOk: true, signatureOk: false, valid: false });
    expect(report.blocks[0].keyDigest.equals(publicKeyDigestV2(p256Other.publicKey))).toBe(true);
    expect(report.validBlocks).toEqual([1]);
  });

  it.each([
    ['R', RSA_BLOCK_OFFSETS.rinv + 7],
    ["M'", RSA_BLOCK_OFFSETS.mPrime + 1],
  ])('detects a tampered %s even though espsecure would not', (_name, offset) => {
    const file = tamper(rsaSigned, 0, (b) => (b[offset] ^= 0x04));
    const report = verifyV2(file, { publicKeys: [rsa.publicKey] });
    expect(report.valid).toBe(false);
    expect(report.blocks[0]).toMatchObject({
      embeddedKeyConsistent: false,
      keyTrusted: false,
      imageDigestOk: true,
      signatureOk: true,
    });
    expect(report.blocks[0].problems.join()).toMatch(/R or M' do not match n/);
  });

  it('ignores a block with a bad CRC and says so', () => {
    const file = tamper(rsaSigned, 0, (b) => (b[RSA_BLOCK_OFFSETS.imageDigest] ^= 1), false);
    const report = verifyV2(file);
    expect(report.valid).toBe(false);
    expect(report.blocks).toEqual([]);
    expect(report.problems).toEqual([
      expect.stringMatching(/^Block 0 ignored: CRC32/),
      'No valid signature blocks found',
    ]);
  });

  it('still finds a valid block after one with a bad CRC', () => {
    const file = tamper(ecSigned, 0, (b) => (b[1196] ^= 0xff), false);
    const report = verifyV2(file);
    expect(report.valid).toBe(true);
    expect(report.validBlocks).toEqual([1]);
    expect(report.problems).toEqual([expect.stringMatching(/^Block 0 ignored/)]);
  });

  it('reports a block with an unsupported version or curve instead of crashing', () => {
    const version = verifyV2(tamper(ecSigned, 0, (b) => (b[1] = 0x04)));
    expect(version.problems[0]).toMatch(/Block 0 ignored: unsupported block version 0x04/);
    expect(version.validBlocks).toEqual([1]);

    const curve = verifyV2(tamper(ecSigned, 0, (b) => (b[36] = 9)));
    expect(curve.problems[0]).toMatch(/Signature block 0: ECDSA block has unsupported curve id 9/);
    expect(curve.blocks.map((b) => b.index)).toEqual([1]);
  });

  it('refuses files that cannot hold a sector', () => {
    expect(() => verifyV2(rsaSigned.subarray(0, rsaSigned.length - 100))).toThrow(
      expect.objectContaining({ code: ErrorCode.ImageNotAligned }),
    );
    expect(() => verifyV2(Buffer.alloc(2048), { skipPadding: true })).toThrow(
      expect.objectContaining({ code: ErrorCode.ImageNotAligned }),
    );
  });

  it('finds nothing in a truncated sector read with skipPadding', () => {
    const report = verifyV2(rsaSigned.subarray(0, rsaSigned.length - 100), { skipPadding: true });
    expect(report.valid).toBe(false);
    expect(report.blocks).toEqual([]);
  });

  describe('sector placement on ESP images', () => {
    it('accepts the sector right after the 4 KiB-rounded image end', async () => {
      const image = buildEspImage({ chipId: 9, size: 10_000, seed: 3 });
      const signed = (await signV2(image, [rsa.signer])).image;
      const report = verifyV2(signed, { imageLayout: 'require' });
      expect(report.valid).toBe(true);
      expect(report.layout).toEqual({
        espImage: true,
        imageEnd: image.length,
        expectedSectorOffset: Math.ceil(image.length / 4096) * 4096,
        sectorOffset: Math.ceil(image.length / 4096) * 4096,
        ok: true,
      });
    });

    it('rejects a sector placed after trailing data, where the device will not look', async () => {
      const image = buildEspImage({ chipId: 9, size: 10_000, seed: 4 });
      const withTrailer = Buffer.concat([image, Buffer.alloc(SECTOR_SIZE, 0xff)]);
      const signed = (await signV2(withTrailer, [rsa.signer])).image;
      const expected = Math.ceil(image.length / 4096) * 4096;

      const report = verifyV2(signed);
      expect(report.valid).toBe(false);
      expect(report.validBlocks).toEqual([0]);
      expect(report.layout).toMatchObject({ espImage: true, expectedSectorOffset: expected, ok: false });
      expect(report.layout?.sectorOffset).toBe(expected + SECTOR_SIZE);
      expect(report.problems.join()).toMatch(/device reads it at/);

      const unchecked = verifyV2(signed, { imageLayout: 'off' });
      expect(unchecked.valid).toBe(true);
      expect(unchecked).not.toHaveProperty('layout');
    });

    it('rejects a skip-padding signature on an image whose end is not aligned', async () => {
      const image = buildEspImage({ chipId: 9, size: 10_000, seed: 5 });
      const signed = (await signV2(image, [p256.signer], { skipPadding: true })).image;
      const report = verifyV2(signed, { skipPadding: true });
      expect(report.valid).toBe(false);
      expect(report.layout?.ok).toBe(false);
    });

    it("'auto' skips the check for data that is not an ESP image, 'require' fails it", () => {
      expect(verifyV2(ecSigned).layout).toEqual({ espImage: false, sectorOffset: 12_288, ok: true });
      const required = verifyV2(ecSigned, { imageLayout: 'require' });
      expect(required.valid).toBe(false);
      expect(required.layout).toEqual({ espImage: false, sectorOffset: 12_288, ok: false });
      expect(required.problems.join()).toMatch(/Not a usable ESP image/);
    });
  });
});
