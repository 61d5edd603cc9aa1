import { createHash } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { encodeSignatureBlock } from './signature-block';
import { buildSignatureSector, padToSector, readSignatureSector } from './signature-sector';
import { generateTestKey } from './testing/fixtures';

describe('signature sector', () => {
  it('padToSector pads with 0xFF and leaves aligned data untouched', () => {
    const aligned = Buffer.alloc(8192, 1);
    expect(padToSector(aligned)).toBe(aligned);
    const empty = Buffer.alloc(0);
    expect(padToSector(empty)).toBe(empty);
    const padded = padToSector(Buffer.alloc(4097, 1));
    expect(padded.length).toBe(8192);
    expect(padded.subarray(4097).equals(Buffer.alloc(4095, 0xff))).toBe(true);
  });

  describe('with blocks', () => {
    let blocks: Buffer[];

    beforeAll(async () => {
      const digest = createHash('sha256').update('sector').digest();
      blocks = await Promise.all(
        [1, 2, 3].map(async () => {
          const key = generateTestKey('ecdsa-p256');
          const signature = await key.signer.sign(digest);
          return encodeSignatureBlock({
            algorithm: 'ecdsa-p256',
            imageDigest: digest,
            publicKey: key.publicKey,
            signature,
          });
        }),
      );
    });

    it('places blocks contiguously from 0 and fills the rest with 0xFF', () => {
      const sector = buildSignatureSector(blocks.slice(0, 2));
      expect(sector.length).toBe(4096);
      expect(sector.subarray(0, 1216).equals(blocks[0])).toBe(true);
      expect(sector.subarray(1216, 2432).equals(blocks[1])).toBe(true);
      expect(sector.subarray(2432).equals(Buffer.alloc(4096 - 2432, 0xff))).toBe(true);
      expect(buildSignatureSector([]).equals(Buffer.alloc(4096, 0xff))).toBe(true);
    });

    it('reads blocks back, stopping at the first slot without a valid block', () => {
      const sector = buildSignatureSector(blocks);
      expect(readSignatureSector(sector).map((b) => b.index)).toEqual([0, 1, 2]);
      sector[1216 + 1196] ^= 1; // break block 1's CRC: block 2 is no longer read
      expect(readSignatureSector(sector).map((b) => b.index)).toEqual([0]);
    });

    it('refuses a 4th block, a block of the wrong size and a sector of the wrong size', () => {
      expect(() => buildSignatureSector([...blocks, blocks[0]])).toThrow(
        expect.objectContaining({ code: ErrorCode.TooManySignatureBlocks }),
      );
      expect(() => buildSignatureSector([blocks[0].subarray(1)])).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidSignatureBlock }),
      );
      expect(() => readSignatureSector(Buffer.alloc(4095, 0xff))).toThrow(
        expect.objectContaining({ code: ErrorCode.ImageNotAligned }),
      );
    });
  });
});
