import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { SIGNATURE_BLOCK_SIZE, isBlockFramePresent } from './block-frame';
import { decodeSignatureBlock, type SignatureBlockV2 } from './signature-block';

// The 4096-byte signature sector after the signed data (spec section 1): up to three
// contiguous blocks from offset 0, then 0xFF ("erased flash") to the end.

/** Flash sector size: signed data is padded to it and the signature sector is one sector. */
export const SECTOR_SIZE = 4096;
/** At most three blocks fit the sector (one per eFuse key-digest slot). */
export const MAX_SIGNATURE_BLOCKS = 3;

const ERASED = 0xff;

/** Pads with 0xFF to the next multiple of 4096; returns `data` itself when already aligned. */
export function padToSector(data: Buffer): Buffer {
  const rest = data.length % SECTOR_SIZE;
  if (rest === 0) return data;
  return Buffer.concat([data, Buffer.alloc(SECTOR_SIZE - rest, ERASED)]);
}

/** Builds a 4096-byte sector from 0..3 encoded blocks, 0xFF after the last one. */
export function buildSignatureSector(blocks: Buffer[]): Buffer {
  if (blocks.length > MAX_SIGNATURE_BLOCKS) {
    throw new FleetSignError(
      ErrorCode.TooManySignatureBlocks,
      `A signature sector holds at most ${MAX_SIGNATURE_BLOCKS} blocks, got ${blocks.length}`,
    );
  }
  const sector = Buffer.alloc(SECTOR_SIZE, ERASED);
  blocks.forEach((block, i) => {
    if (block.length !== SIGNATURE_BLOCK_SIZE) {
      throw new FleetSignError(
        ErrorCode.InvalidSignatureBlock,
        `Block ${i} is ${block.length} bytes, not 1216`,
      );
    }
    block.copy(sector, i * SIGNATURE_BLOCK_SIZE);
  });
  return sector;
}

/** The raw 1216-byte slot `index` (0..2) of a sector. */
export function sectorSlot(sector: Buffer, index: number): Buffer {
  return sector.subarray(index * SIGNATURE_BLOCK_SIZE, (index + 1) * SIGNATURE_BLOCK_SIZE);
}

/**
 * The raw blocks at the start of a sector that pass the magic/version/CRC test,
 * stopping at the first that does not (what appending keeps).
 */
export function presentBlocks(sector: Buffer): Buffer[] {
  const found: Buffer[] = [];
  for (let i = 0; i < MAX_SIGNATURE_BLOCKS; i++) {
    const slot = sectorSlot(sector, i);
    if (!isBlockFramePresent(slot)) break;
    found.push(Buffer.from(slot));
  }
  return found;
}

/** Decodes blocks 0..2 of a sector, stopping at the first slot without a valid block. */
export function readSignatureSector(sector: Buffer): SignatureBlockV2[] {
  if (sector.length !== SECTOR_SIZE) {
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      `A signature sector is 4096 bytes, got ${sector.length}`,
    );
  }
  const blocks: SignatureBlockV2[] = [];
  for (let i = 0; i < MAX_SIGNATURE_BLOCKS; i++) {
    const block = decodeSignatureBlock(sectorSlot(sector, i), i);
    if (!block) break;
    blocks.push(block);
  }
  return blocks;
}
