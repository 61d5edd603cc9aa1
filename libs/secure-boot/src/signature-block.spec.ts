import { createHash } from 'node:crypto';
import { sealBlockFrame } from './block-frame';
import { ErrorCode } from '@fleetsign/errors';
import { publicKeyDigestV2 } from './keys';
import { decodeSignatureBlock, encodeSignatureBlock } from './signature-block';
import { generateTestKey, type TestKey } from './testing/fixtures';

describe('signature block', () => {
  let p256: TestKey;
  let block: Buffer;
  let signature: Buffer;
  const digest = createHash('sha256').update('x').digest();

  beforeAll(async () => {
    p256 = generateTestKey('ecdsa-p256');
    signature = await p256.signer.sign(digest);
    block = encodeSignatureBlock({
      algorithm: 'ecdsa-p256',
      imageDigest: digest,
      publicKey: p256.publicKey,
      signature,
    });
  });

  it('decodes an encoded block with its index, key digest and raw bytes', () => {
    const decoded = decodeSignatureBlock(block, 2);
    expect(decoded).toMatchObject({ index: 2, algorithm: 'ecdsa-p256', embeddedKeyConsistent: true });
    expect(decoded?.keyDigest.equals(publicKeyDigestV2(p256.publicKey))).toBe(true);
    expect(decoded?.signature.equals(signature)).toBe(true);
    expect(decoded?.raw.equals(block)).toBe(true);
    expect(decoded?.publicKey.equals(p256.publicKey)).toBe(true);
  });

  it('returns undefined when magic, version or CRC are wrong, or the slot is short or erased', () => {
    const edits: Array<(b: Buffer) => void> = [
      (b) => {
        b[0] = 0xe8; // magic
        sealBlockFrame(b);
      },
      (b) => {
        b[1] = 0x01; // version
        sealBlockFrame(b);
      },
      (b) => {
        b[1] = 0x04; // version
        sealBlockFrame(b);
      },
      (b) => (b[1196] ^= 1),
      (b) => (b[500] ^= 1),
    ];
    for (const edit of edits) {
      const copy = Buffer.from(block);
      edit(copy);
      expect(decodeSignatureBlock(copy, 0)).toBeUndefined();
    }
    expect(decodeSignatureBlock(block.subarray(0, 1215), 0)).toBeUndefined();
    expect(decodeSignatureBlock(Buffer.alloc(1216, 0xff), 0)).toBeUndefined();
  });

  it('the 16 bytes after the CRC are not covered by it', () => {
    const copy = Buffer.from(block);
    copy[1210] = 0x55;
    expect(decodeSignatureBlock(copy, 0)).toBeDefined();
  });

  it('throws InvalidSignatureBlock, naming the slot, for an intact frame with unusable content', () => {
    const copy = Buffer.from(block);
    copy[36] = 9;
    sealBlockFrame(copy);
    expect(() => decodeSignatureBlock(copy, 1)).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidSignatureBlock,
        message: expect.stringMatching(/^Signature block 1:/),
      }),
    );
  });

  it('refuses a key that does not match the requested algorithm', () => {
    expect(() =>
      encodeSignatureBlock({
        algorithm: 'ecdsa-p192',
        imageDigest: digest,
        publicKey: p256.publicKey,
        signature,
      }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedKey }));
  });
});
