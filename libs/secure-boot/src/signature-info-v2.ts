import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { decodeSignatureBlock } from './signature-block';
import { MAX_SIGNATURE_BLOCKS, SECTOR_SIZE, sectorSlot } from './signature-sector';
import { imageDigester } from './signed-image-v2';

// The equivalent of `espsecure signature-info-v2`: list the blocks of a signed
// file with their public-key digests.

/** A block whose frame (magic, version, CRC) is intact and whose content decodes. */
export interface SignatureInfoBlock {
  index: number;
  algorithm: KeyAlgorithm;
  /** SHA-256 of the embedded key material: the eFuse key digest. */
  keyDigest: Buffer;
  imageDigest: Buffer;
  imageDigestOk: boolean;
}

/** A block whose frame is intact but whose curve id, hash id, point or exponent cannot be used. */
export interface UnusableSignatureBlock {
  index: number;
  reason: string;
}

/** The blocks found in a signed file. */
export interface SignatureInfoV2 {
  blocks: SignatureInfoBlock[];
  /** Intact frames with unusable content; listed, not fatal, so the other blocks are still reported. */
  unusable: UnusableSignatureBlock[];
  /** The first slot failing the magic/version/CRC test (where the walk stopped), if any. */
  firstAbsent?: number;
}

/** Options of signatureInfoV2. */
export interface SignatureInfoV2Options {
  /** List blocks whose image digest is wrong (imageDigestOk false) instead of throwing ImageDigestMismatch. */
  allowDigestMismatch?: boolean;
}

/**
 * Walks blocks 0..2 of a V2-signed file like espsecure: it stops at the first slot
 * failing the magic/version/CRC test (also slot 0: a file without blocks is reported,
 * not refused). A block with an intact frame but unusable content is listed in
 * `unusable` and the walk goes on. Throws ImageNotAligned for a size not a non-zero
 * multiple of 4096 and ImageDigestMismatch for a wrong digest, as espsecure does.
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
  const info: SignatureInfoV2 = { blocks: [], unusable: [] };
  for (let i = 0; i < MAX_SIGNATURE_BLOCKS; i++) {
    let block: ReturnType<typeof decodeSignatureBlock>;
    try {
      block = decodeSignatureBlock(sectorSlot(sector, i), i);
    } catch (err) {
      if (!(err instanceof FleetSignError)) throw err;
      // decodeSignatureBlock prefixes "Signature block N:"; the cause says just what is wrong.
      const reason = err.cause instanceof Error ? err.cause.message : err.message;
      info.unusable.push({ index: i, reason });
      continue;
    }
    if (!block) {
      info.firstAbsent = i;
      break;
    }
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
    info.blocks.push({
      index: i,
      algorithm: block.algorithm,
      keyDigest: block.keyDigest,
      imageDigest: block.imageDigest,
      imageDigestOk,
    });
  }
  return info;
}
