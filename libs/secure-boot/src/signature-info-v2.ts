import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { decodeSignatureBlock } from './signature-block';
import { MAX_SIGNATURE_BLOCKS, SECTOR_SIZE, sectorSlot } from './signature-sector';
import { imageDigester } from './signed-image-v2';

// The equivalent of `espsecure signature-info-v2`: list the blocks of a signed
// file with their public-key digests.

/** The blocks found in a signed file. */
export interface SignatureInfoV2 {
  blocks: Array<{
    index: number;
    algorithm: KeyAlgorithm;
    /** SHA-256 of the embedded key material: the eFuse key digest. */
    keyDigest: Buffer;
    imageDigest: Buffer;
    imageDigestOk: boolean;
  }>;
}

/** Options of signatureInfoV2. */
export interface SignatureInfoV2Options {
  /** List blocks whose image digest is wrong (imageDigestOk false) instead of throwing ImageDigestMismatch. */
  allowDigestMismatch?: boolean;
}

/**
 * Lists blocks 0..2 of a V2-signed file, stopping at the first slot without a
 * valid block, like espsecure: ImageNotAligned for a size not a multiple of 4096,
 * NoSignatureBlocks when block 0 is missing, ImageDigestMismatch for a wrong digest.
 */
export function signatureInfoV2(file: Buffer, options: SignatureInfoV2Options = {}): SignatureInfoV2 {
  if (file.length < SECTOR_SIZE || file.length % SECTOR_SIZE !== 0) {
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      `File length ${file.length} is not a non-zero multiple of 4096; it is not a V2-signed file`,
    );
  }
  const signedData = file.subarray(0, file.length - SECTOR_SIZE);
  const sector = file.subarray(file.length - SECTOR_SIZE);
  const digestOf = imageDigester(signedData);
  const blocks: SignatureInfoV2['blocks'] = [];
  for (let i = 0; i < MAX_SIGNATURE_BLOCKS; i++) {
    const block = decodeSignatureBlock(sectorSlot(sector, i), i);
    if (!block) break;
    const imageDigestOk = block.imageDigest.equals(digestOf(block.algorithm));
    if (!imageDigestOk && !options.allowDigestMismatch) {
      throw new FleetSignError(
        ErrorCode.ImageDigestMismatch,
        `Signature block ${i} image digest does not match the data`,
        {
          index: i,
          stored: block.imageDigest.toString('hex'),
          computed: digestOf(block.algorithm).toString('hex'),
        },
      );
    }
    blocks.push({
      index: i,
      algorithm: block.algorithm,
      keyDigest: block.keyDigest,
      imageDigest: block.imageDigest,
      imageDigestOk,
    });
  }
  if (blocks.length === 0) {
    throw new FleetSignError(ErrorCode.NoSignatureBlocks, 'No valid signature blocks found');
  }
  return { blocks };
}
