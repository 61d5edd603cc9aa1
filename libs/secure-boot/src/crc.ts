import { crc32 as zlibCrc32 } from 'node:zlib';

/**
 * CRC-32/ISO-HDLC (the zlib/Ethernet/PNG CRC) of `data` as an unsigned 32-bit number;
 * the checksum that protects each Secure Boot V2 signature block.
 */
export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}
