import { ErrorCode } from '@fleetsign/errors';
import { sealBlockFrame } from './block-frame';
import { publicKeyDigestV2 } from './keys';
import { signV2 } from './sign-v2';
import { signatureInfoV2 } from './signature-info-v2';
import { generateTestKey, seededBytes, type TestKey } from './testing/fixtures';

describe('signatureInfoV2', () => {
  let p256: TestKey;
  let p192: TestKey;

  beforeAll(() => {
    p256 = generateTestKey('ecdsa-p256');
    p192 = generateTestKey('ecdsa-p192');
  });

  it('lists every block with its public-key digest', async () => {
    const signed = await signV2(seededBytes(777, 41), [p256.signer, p192.signer]);
    const info = signatureInfoV2(signed.image);
    expect(info.blocks).toEqual([
      {
        index: 0,
        algorithm: 'ecdsa-p256',
        keyDigest: publicKeyDigestV2(p256.publicKey),
        imageDigest: signed.imageDigests[0],
        imageDigestOk: true,
      },
      {
        index: 1,
        algorithm: 'ecdsa-p192',
        keyDigest: publicKeyDigestV2(p192.publicKey),
        imageDigest: signed.imageDigests[1],
        imageDigestOk: true,
      },
    ]);
  });

  it('stops at the first slot without a valid block, also at block 0, without throwing', async () => {
    const signed = await signV2(seededBytes(777, 42), [p256.signer, p192.signer]);
    const file = Buffer.from(signed.image);
    file[signed.signedDataLength + 1216 + 1196] ^= 1; // CRC of block 1
    const info = signatureInfoV2(file);
    expect(info.blocks.map((b) => b.index)).toEqual([0]);
    expect(info.firstAbsent).toBe(1);
    file[signed.signedDataLength + 1196] ^= 1; // CRC of block 0
    expect(signatureInfoV2(file)).toEqual({ blocks: [], unusable: [], firstAbsent: 0 });
  });

  it('reports an all-0xFF sector (block 0 absent) as no blocks', () => {
    const file = Buffer.alloc(2 * 4096, 0xff);
    expect(signatureInfoV2(file)).toEqual({ blocks: [], unusable: [], firstAbsent: 0 });
  });

  describe('a block with an intact CRC but unusable content beside valid ones', () => {
    let signed: Awaited<ReturnType<typeof signV2>>;
    let rsa: TestKey;

    beforeAll(async () => {
      rsa = generateTestKey('rsa3072');
      signed = await signV2(seededBytes(777, 44), [p256.signer, p192.signer, p256.signer]);
    });

    function withBlock1(edit: (block: Buffer) => void): Buffer {
      const file = Buffer.from(signed.image);
      const block = file.subarray(signed.signedDataLength + 1216, signed.signedDataLength + 2432);
      edit(block);
      sealBlockFrame(block);
      return file;
    }

    it.each([
      ['curve id', (b: Buffer) => (b[36] = 7), /unsupported curve id 7/],
      ['hash id', (b: Buffer) => (b[2] = 9), /unknown hash id 9/],
      ['point', (b: Buffer) => (b[40] ^= 1), /not a point on/],
    ])('lists block 1 with a bad %s and still reports blocks 0 and 2', (_what, edit, reason) => {
      const info = signatureInfoV2(withBlock1(edit));
      expect(info.blocks.map((b) => [b.index, b.keyDigest])).toEqual([
        [0, publicKeyDigestV2(p256.publicKey)],
        [2, publicKeyDigestV2(p256.publicKey)],
      ]);
      expect(info.unusable).toEqual([{ index: 1, reason: expect.stringMatching(reason) }]);
      expect(info.firstAbsent).toBeUndefined();
    });

    it('lists an RSA block with an even exponent and still reports the others', async () => {
      const mixed = await signV2(seededBytes(777, 45), [p256.signer, rsa.signer]);
      const file = Buffer.from(mixed.image);
      const block = file.subarray(mixed.signedDataLength + 1216, mixed.signedDataLength + 2432);
      block.writeUInt32LE(65536, 420);
      sealBlockFrame(block);
      const info = signatureInfoV2(file);
      expect(info.blocks.map((b) => b.index)).toEqual([0]);
      expect(info.unusable).toEqual([{ index: 1, reason: 'RSA block public exponent 65536 is not valid' }]);
      expect(info.firstAbsent).toBe(2);
    });
  });

  it('throws ImageDigestMismatch for a wrong digest unless allowed', async () => {
    const signed = await signV2(seededBytes(777, 43), [p256.signer]);
    const file = Buffer.from(signed.image);
    const block = file.subarray(signed.signedDataLength, signed.signedDataLength + 1216);
    block[4] ^= 1;
    sealBlockFrame(block);
    expect(() => signatureInfoV2(file)).toThrow(
      expect.objectContaining({ code: ErrorCode.ImageDigestMismatch }),
    );
    expect(signatureInfoV2(file, { allowDigestMismatch: true }).blocks[0].imageDigestOk).toBe(false);
  });

  it('throws ImageNotAligned for sizes that are not a multiple of 4096', () => {
    expect(() => signatureInfoV2(Buffer.alloc(4097))).toThrow(
      expect.objectContaining({ code: ErrorCode.ImageNotAligned }),
    );
    expect(() => signatureInfoV2(Buffer.alloc(0))).toThrow(
      expect.objectContaining({ code: ErrorCode.ImageNotAligned }),
    );
  });
});
