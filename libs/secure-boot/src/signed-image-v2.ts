import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { digestAlgorithmFor } from './keys';
import { decodeSignatureBlock, type SignatureBlockV2 } from './signature-block';
import { imageDigestFor } from './signature-check';
import {
  MAX_SIGNATURE_BLOCKS,
  SECTOR_SIZE,
  buildSignatureSector,
  padToSector,
  presentBlocks,
} from './signature-sector';

// What signing (with keys or with external signatures) starts from and ends with:
// which bytes get signed, which existing blocks are kept (spec section 6b), and the
// assembled file.

/** Notice given when appending finds no valid block and signs the whole file afresh. */
export const NO_VALID_BLOCKS_NOTICE = 'No valid signature blocks found';

/** The outcome of a V2 signing. */
export interface SignV2Result {
  /** The complete signed file: signed data followed by the 4096-byte signature sector. */
  image: Buffer;
  /** Length of the signed data (offset of the signature sector). */
  signedDataLength: number;
  /** For each entry of `blocks` (same order): the digest of the signed data with that block's hash. */
  imageDigests: Buffer[];
  /** All blocks in the new sector: kept ones first, then the new ones. */
  blocks: SignatureBlockV2[];
  /** How many existing blocks were kept when appending. */
  keptBlocks: number;
  /** Set when appending found no valid block: 'No valid signature blocks found'. */
  notice?: string;
}

/** The bytes to sign and the blocks to keep. */
export interface SigningInput {
  signedData: Buffer;
  keptBlocks: Buffer[];
  notice?: string;
}

/**
 * Works out what gets signed. Appending applies only to 4096-aligned input: the
 * last sector's valid blocks are kept and the sector is stripped; when none is
 * valid the whole file is signed as new data. Otherwise the input is padded with
 * 0xFF to 4096 (unless `pad` is false).
 */
export function prepareSigningInput(
  data: Buffer,
  options: { appendSignatures?: boolean; pad: boolean },
): SigningInput {
  let input: SigningInput = { signedData: options.pad ? padToSector(data) : data, keptBlocks: [] };
  if (options.appendSignatures && data.length >= SECTOR_SIZE && data.length % SECTOR_SIZE === 0) {
    const kept = presentBlocks(data.subarray(data.length - SECTOR_SIZE));
    input =
      kept.length === 0
        ? { signedData: data, keptBlocks: [], notice: NO_VALID_BLOCKS_NOTICE }
        : { signedData: data.subarray(0, data.length - SECTOR_SIZE), keptBlocks: kept };
    if (kept.length >= MAX_SIGNATURE_BLOCKS) {
      throw new FleetSignError(
        ErrorCode.TooManySignatureBlocks,
        `The signature sector already holds ${kept.length} blocks; no slot is free to append to`,
      );
    }
  }
  // Empty data is signed (the file is then the sector alone), as espsecure does; the
  // service never gets here with it, its image policy requires an ESP image.
  return input;
}

/** Throws TooManySignatureBlocks unless 1..(3 - kept) new blocks are requested. */
export function checkNewBlockCount(input: SigningInput, newBlocks: number): void {
  if (newBlocks < 1) {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'At least one key or signature is needed');
  }
  const free = MAX_SIGNATURE_BLOCKS - input.keptBlocks.length;
  if (newBlocks > free) {
    const kept = input.keptBlocks.length;
    throw new FleetSignError(
      ErrorCode.TooManySignatureBlocks,
      kept > 0
        ? `${newBlocks} new signature blocks do not fit: ${kept} exist and the sector holds ${MAX_SIGNATURE_BLOCKS}`
        : `At most ${MAX_SIGNATURE_BLOCKS} signature blocks are allowed, got ${newBlocks}`,
    );
  }
}

/** A memo of the signed data's digests, so each hash runs over the image once. */
export type ImageDigester = (alg: KeyAlgorithm) => Buffer;

/** Digests `data` lazily, once per hash algorithm. */
export function imageDigester(data: Buffer): ImageDigester {
  const memo = new Map<string, Buffer>();
  return (alg) => {
    const hash = digestAlgorithmFor(alg);
    let digest = memo.get(hash);
    if (!digest) {
      digest = imageDigestFor(alg, data);
      memo.set(hash, digest);
    }
    return digest;
  };
}

/** Appends the sector (kept blocks byte-for-byte, then the new ones, then 0xFF) to the signed data. */
export function assembleSignedImage(
  input: SigningInput,
  newBlocks: Buffer[],
  digestOf: ImageDigester,
): SignV2Result {
  const raws = [...input.keptBlocks, ...newBlocks];
  const sector = buildSignatureSector(raws);
  const blocks = raws.map((raw, i) => {
    const block = decodeSignatureBlock(raw, i);
    if (!block) throw new FleetSignError(ErrorCode.Internal, `Block ${i} lost its frame while assembling`);
    return block;
  });
  return {
    image: Buffer.concat([input.signedData, sector]),
    signedDataLength: input.signedData.length,
    imageDigests: blocks.map((block) => digestOf(block.algorithm)),
    blocks,
    keptBlocks: input.keptBlocks.length,
    ...(input.notice ? { notice: input.notice } : {}),
  };
}
