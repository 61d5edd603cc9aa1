import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** First byte of every ESP32-family image. */
export const ESP_IMAGE_MAGIC = 0xe9;
/** Image header length: the common 8 bytes plus the 16-byte extended header. */
export const ESP_IMAGE_HEADER_SIZE = 24;
/** Each segment starts with `u32 load_addr ‖ u32 length`. */
export const ESP_IMAGE_SEGMENT_HEADER_SIZE = 8;
/** The bootloader refuses images with more segments than this. */
export const ESP_IMAGE_MAX_SEGMENTS = 16;
/** The bootloader refuses segments of this length or more (and lengths that are not a multiple of 4). */
export const ESP_IMAGE_MAX_SEGMENT_LENGTH = 0x1000000;
/** Length of the SHA-256 digest appended when `hashAppended` is set. */
export const ESP_IMAGE_DIGEST_SIZE = 32;
/** Seed of the XOR checksum over all segment data. */
export const ESP_IMAGE_CHECKSUM_SEED = 0xef;
/** WP pin value meaning "not used". */
export const ESP_IMAGE_WP_PIN_DISABLED = 0xee;

/** SPI flash modes as stored at header offset 2. */
export const ESP_FLASH_MODES = { qio: 0, qout: 1, dio: 2, dout: 3 } as const;

/** The 24-byte image header, field by field. */
export interface EspImageHeader {
  segmentCount: number;
  /** SPI flash mode (0 QIO, 1 QOUT, 2 DIO, 3 DOUT). */
  flashMode: number;
  /** High nibble flash size, low nibble flash frequency (chip-specific codes). */
  flashSizeFreq: number;
  entryPoint: number;
  /** 0xEE when unused. */
  wpPin: number;
  /** SPI pin drive strengths, three bytes of nibbles. */
  spiPinDrive: [number, number, number];
  chipId: number;
  /** Legacy one-byte minimum revision (major). */
  minChipRevisionLegacy: number;
  /** Minimum chip revision, major*100+minor. */
  minChipRevision: number;
  /** Maximum chip revision, major*100+minor (0xFFFF: no limit). */
  maxChipRevision: number;
  /** 1 when a SHA-256 of the image follows the checksum byte; other values than 0 and 1 are invalid. */
  hashAppended: number;
}

function invalid(message: string, details?: Record<string, unknown>): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidImage, message, details);
}

/** Reads the 24-byte header at the start of `data`; throws InvalidImage for a truncated header, bad magic, segment count or hash flag. */
export function decodeEspImageHeader(data: Buffer): EspImageHeader {
  if (data.length < ESP_IMAGE_HEADER_SIZE) {
    throw invalid(`ESP image header truncated: file has ${data.length} bytes, the header needs 24`, {
      length: data.length,
    });
  }
  const magic = data[0];
  if (magic !== ESP_IMAGE_MAGIC) {
    throw invalid(`Not an ESP image: magic byte is 0x${hex(magic, 2)}, expected 0xe9`, { magic });
  }
  const header: EspImageHeader = {
    segmentCount: data[1],
    flashMode: data[2],
    flashSizeFreq: data[3],
    entryPoint: data.readUInt32LE(4),
    wpPin: data[8],
    spiPinDrive: [data[9], data[10], data[11]],
    chipId: data.readUInt16LE(12),
    minChipRevisionLegacy: data[14],
    minChipRevision: data.readUInt16LE(15),
    maxChipRevision: data.readUInt16LE(17),
    hashAppended: data[23],
  };
  if (header.segmentCount < 1 || header.segmentCount > ESP_IMAGE_MAX_SEGMENTS) {
    throw invalid(
      `ESP image segment count ${header.segmentCount} is out of range 1..${ESP_IMAGE_MAX_SEGMENTS}`,
      { segmentCount: header.segmentCount },
    );
  }
  if (header.hashAppended > 1) {
    throw invalid(`ESP image hash-appended flag (offset 23) is ${header.hashAppended}, expected 0 or 1`, {
      hashAppended: header.hashAppended,
    });
  }
  return header;
}

/**
 * The chip id an image's first bytes name, without validating the rest: undefined
 * unless `prefix` holds the whole 24-byte header and starts with the ESP magic byte.
 * For callers that see only the start of an upload (full validation is the signer's).
 */
export function chipIdOfImagePrefix(prefix: Buffer): number | undefined {
  if (prefix.length < ESP_IMAGE_HEADER_SIZE || prefix[0] !== ESP_IMAGE_MAGIC) return undefined;
  return prefix.readUInt16LE(12);
}

/** Writes the 24-byte header; reserved bytes 19..22 are zero. */
export function encodeEspImageHeader(header: EspImageHeader): Buffer {
  const out = Buffer.alloc(ESP_IMAGE_HEADER_SIZE);
  out[0] = ESP_IMAGE_MAGIC;
  out[1] = header.segmentCount;
  out[2] = header.flashMode;
  out[3] = header.flashSizeFreq;
  out.writeUInt32LE(header.entryPoint >>> 0, 4);
  out[8] = header.wpPin;
  out[9] = header.spiPinDrive[0];
  out[10] = header.spiPinDrive[1];
  out[11] = header.spiPinDrive[2];
  out.writeUInt16LE(header.chipId, 12);
  out[14] = header.minChipRevisionLegacy;
  out.writeUInt16LE(header.minChipRevision, 15);
  out.writeUInt16LE(header.maxChipRevision, 17);
  out[23] = header.hashAppended;
  return out;
}

/** Lower-case hex, zero-padded to `width` digits. */
export function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}
