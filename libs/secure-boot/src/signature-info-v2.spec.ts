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

  it('stops at the first slot without a valid block', async () => {
    const signed = await signV2(seededBytes(777, 42), [p256.signer, p192.signer]);
    const file = Buffer.from(signed.image);
    file[signed.signedDataLength + 1216 + 1196] ^= 1; // CRC of block 1
    expect(signatureInfoV2(file).blocks.map((b) => b.index)).toEqual([0]);
    file[signed.signedDataLength + 1196] ^= 1; // CRC of block 0
    expect(() => signatureInfoV2(file)).toThrow(
      expect.objectContaining({ code: ErrorCode.NoSignatureBlocks }),
    );
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
