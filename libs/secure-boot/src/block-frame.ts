import { crc32 } from './crc';

// The frame every 1216-byte Secure Boot V2 signature block shares (spec section 2):
// magic, version, hash id, scheme body, CRC32 over bytes 0..1195, 16 zero bytes.

/** Size of one V2 signature block in bytes. */
export const SIGNATURE_BLOCK_SIZE = 1216;
/** First byte of every V2 signature block. */
export const SIGNATURE_BLOCK_MAGIC = 0xe7;
/** Block version byte of an RSA-3072 block. */
export const BLOCK_VERSION_RSA = 0x02;
/** Block version byte of an ECDSA block. */
export const BLOCK_VERSION_ECDSA = 0x03;
/** Offset of the scheme-specific body (the image digest comes first). */
export const BLOCK_BODY_OFFSET = 4;
/** Offset of the CRC32 (u32 LE) covering bytes 0 .. BLOCK_CRC_OFFSET-1. */
export const BLOCK_CRC_OFFSET = 1196;

/** A zeroed block with magic, version and hash id written; the body is filled by the scheme. */
export function newBlockFrame(version: number, hashId: number): Buffer {
  const block = Buffer.alloc(SIGNATURE_BLOCK_SIZE);
  block[0] = SIGNATURE_BLOCK_MAGIC;
  block[1] = version;
  block[2] = hashId;
  return block;
}

/** Writes the CRC32 of bytes 0..1195 at 1196 (little-endian); bytes 1200..1215 stay zero. */
export function sealBlockFrame(block: Buffer): Buffer {
  block.writeUInt32LE(crc32(block.subarray(0, BLOCK_CRC_OFFSET)), BLOCK_CRC_OFFSET);
  return block;
}

/** Why a 1216-byte slot does not hold a block, or undefined when it does. */
export function blockFrameProblem(raw: Buffer): string | undefined {
  if (raw.length < SIGNATURE_BLOCK_SIZE) return `only ${raw.length} bytes`;
  if (raw[0] !== SIGNATURE_BLOCK_MAGIC) return `magic 0x${hex2(raw[0])} instead of 0xe7`;
  if (raw[1] !== BLOCK_VERSION_RSA && raw[1] !== BLOCK_VERSION_ECDSA) {
    return `unsupported block version 0x${hex2(raw[1])}`;
  }
  const stored = raw.readUInt32LE(BLOCK_CRC_OFFSET);
  const computed = crc32(raw.subarray(0, BLOCK_CRC_OFFSET));
  if (stored !== computed) return `CRC32 0x${stored.toString(16)} does not match 0x${computed.toString(16)}`;
  return undefined;
}

/**
 * The tools' test for "a block is present": magic 0xE7, version 2 or 3 and a
 * matching CRC. Nothing else (no digest, key or signature check).
 */
export function isBlockFramePresent(raw: Buffer): boolean {
  return blockFrameProblem(raw) === undefined;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
