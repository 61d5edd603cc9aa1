import { createHash } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type ChipInfo, chipById } from './chips';
import {
  decodeEspAppDescription,
  ESP_APP_DESC_SIZE,
  type EspAppDescription,
  hasEspAppDescription,
} from './esp-image-app-desc';
import {
  decodeEspImageHeader,
  ESP_IMAGE_CHECKSUM_SEED,
  ESP_IMAGE_DIGEST_SIZE,
  ESP_IMAGE_HEADER_SIZE,
  ESP_IMAGE_MAX_SEGMENT_LENGTH,
  ESP_IMAGE_SEGMENT_HEADER_SIZE,
  type EspImageHeader,
  hex,
} from './esp-image-header';

export {
  ESP_APP_DESC_MAGIC,
  ESP_APP_DESC_SIZE,
  type EspAppDescription,
  decodeEspAppDescription,
  encodeEspAppDescription,
  hasEspAppDescription,
} from './esp-image-app-desc';
export {
  ESP_FLASH_MODES,
  ESP_IMAGE_CHECKSUM_SEED,
  ESP_IMAGE_DIGEST_SIZE,
  ESP_IMAGE_HEADER_SIZE,
  ESP_IMAGE_MAGIC,
  ESP_IMAGE_MAX_SEGMENT_LENGTH,
  ESP_IMAGE_MAX_SEGMENTS,
  ESP_IMAGE_SEGMENT_HEADER_SIZE,
  ESP_IMAGE_WP_PIN_DISABLED,
  type EspImageHeader,
  chipIdOfImagePrefix,
  decodeEspImageHeader,
  encodeEspImageHeader,
} from './esp-image-header';

/** The device reads the V2 signature sector at the first boundary of this size at or after the image end. */
const FLASH_SECTOR_SIZE = 4096;
/** File offset of the first segment's data: header plus one segment header. */
const FIRST_SEGMENT_DATA_OFFSET = ESP_IMAGE_HEADER_SIZE + ESP_IMAGE_SEGMENT_HEADER_SIZE;

/** One segment of an ESP image. */
export interface EspImageSegment {
  loadAddress: number;
  /** File offset of the segment's data (after its 8-byte header). */
  offset: number;
  length: number;
}

/** What parseEspImage learned about a file. */
export interface EspImage {
  chipId: number;
  /** Undefined when FleetSign does not know the chip id. */
  chip?: ChipInfo;
  segmentCount: number;
  segments: EspImageSegment[];
  entryPoint: number;
  flashMode: number;
  hashAppended: boolean;
  checksumOk: boolean;
  /** Undefined when no digest is appended. */
  hashOk?: boolean;
  /** Offset just after the checksum byte (+32 when a SHA-256 is appended). */
  imageEnd: number;
  /** ceil(imageEnd / 4096) * 4096: the data a V2 signature must cover for the device to find the sector. */
  signedDataLength: number;
  /** Present for app images (magic 0xABCD5432 at offset 0x20). */
  appDescription?: EspAppDescription;
  /** Bytes in the file after imageEnd. */
  trailingLength: number;
  /** The raw header fields. */
  header?: EspImageHeader;
  /** Minimum / maximum chip revision from the header, major*100+minor. */
  minChipRevision?: number;
  maxChipRevision?: number;
  /** File offset of the checksum byte. */
  checksumOffset?: number;
  /** The SHA-256 stored after the checksum, when hashAppended. */
  appendedDigest?: Buffer;
}

/** Options of parseEspImage. */
export interface ParseEspImageOptions {
  /** Report a wrong checksum or appended SHA-256 in checksumOk/hashOk instead of throwing (default false). */
  reportIntegrityErrors?: boolean;
}

function invalid(message: string, details?: Record<string, unknown>): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidImage, message, details);
}

/** The signed-data length for an image ending at `imageEnd`: the next multiple of 4096 (imageEnd itself when aligned). */
export function signedDataLengthForImageEnd(imageEnd: number): number {
  return Math.ceil(imageEnd / FLASH_SECTOR_SIZE) * FLASH_SECTOR_SIZE;
}

/**
 * Parses and checks an ESP app or bootloader image (header, segments, checksum,
 * appended SHA-256, app description). Any structural problem throws
 * FleetSignError(InvalidImage) naming the offending field; so do a wrong checksum
 * or digest unless `reportIntegrityErrors` is set.
 */
export function parseEspImage(data: Buffer, options: ParseEspImageOptions = {}): EspImage {
  const header = decodeEspImageHeader(data);
  const segments = readSegments(data, header.segmentCount);

  const last = segments[segments.length - 1];
  // Zero padding runs until offset % 16 == 15, where the checksum byte sits.
  const checksumOffset = (last.offset + last.length) | 15;
  if (checksumOffset >= data.length) {
    throw invalid(
      `ESP image truncated: checksum byte at offset ${checksumOffset} is past the end of the file (${data.length} bytes)`,
      { checksumOffset, length: data.length },
    );
  }
  const storedChecksum = data[checksumOffset];
  const computedChecksum = segmentChecksum(data, segments);
  const checksumOk = storedChecksum === computedChecksum;
  if (!checksumOk && !options.reportIntegrityErrors) {
    throw invalid(
      `ESP image checksum mismatch: byte at offset ${checksumOffset} is 0x${hex(storedChecksum, 2)}, segment data gives 0x${hex(computedChecksum, 2)}`,
      { checksumOffset, stored: storedChecksum, computed: computedChecksum },
    );
  }

  const hashAppended = header.hashAppended === 1;
  let imageEnd = checksumOffset + 1;
  let hashOk: boolean | undefined;
  let appendedDigest: Buffer | undefined;
  if (hashAppended) {
    const digestOffset = imageEnd;
    imageEnd += ESP_IMAGE_DIGEST_SIZE;
    if (imageEnd > data.length) {
      throw invalid(
        `ESP image truncated: the appended SHA-256 needs bytes ${digestOffset}..${imageEnd - 1}, the file has ${data.length}`,
        { digestOffset, length: data.length },
      );
    }
    appendedDigest = Buffer.from(data.subarray(digestOffset, imageEnd));
    const computed = createHash('sha256').update(data.subarray(0, digestOffset)).digest();
    hashOk = computed.equals(appendedDigest);
    if (!hashOk && !options.reportIntegrityErrors) {
      throw invalid(
        `ESP image SHA-256 mismatch: the digest at offset ${digestOffset} does not match the image`,
        {
          digestOffset,
          stored: appendedDigest.toString('hex'),
          computed: computed.toString('hex'),
        },
      );
    }
  }

  const first = segments[0];
  const appDescription =
    first.length >= ESP_APP_DESC_SIZE && hasEspAppDescription(data, FIRST_SEGMENT_DATA_OFFSET)
      ? decodeEspAppDescription(data, FIRST_SEGMENT_DATA_OFFSET)
      : undefined;

  return {
    chipId: header.chipId,
    chip: chipById(header.chipId),
    segmentCount: header.segmentCount,
    segments,
    entryPoint: header.entryPoint,
    flashMode: header.flashMode,
    hashAppended,
    checksumOk,
    hashOk,
    imageEnd,
    signedDataLength: signedDataLengthForImageEnd(imageEnd),
    appDescription,
    trailingLength: data.length - imageEnd,
    header,
    minChipRevision: header.minChipRevision,
    maxChipRevision: header.maxChipRevision,
    checksumOffset,
    appendedDigest,
  };
}

/** Walks the segment headers; every segment must have a bootable length and lie inside the file. */
function readSegments(data: Buffer, count: number): EspImageSegment[] {
  const segments: EspImageSegment[] = [];
  let pos = ESP_IMAGE_HEADER_SIZE;
  for (let index = 0; index < count; index++) {
    if (pos + ESP_IMAGE_SEGMENT_HEADER_SIZE > data.length) {
      throw invalid(
        `ESP image truncated: header of segment ${index} at offset ${pos} is past the end of the file (${data.length} bytes)`,
        { segment: index, headerOffset: pos, length: data.length },
      );
    }
    const loadAddress = data.readUInt32LE(pos);
    const length = data.readUInt32LE(pos + 4);
    const offset = pos + ESP_IMAGE_SEGMENT_HEADER_SIZE;
    // The bootloader rejects these lengths, so an image carrying one can never boot.
    if (length % 4 !== 0 || length >= ESP_IMAGE_MAX_SEGMENT_LENGTH) {
      throw invalid(
        `ESP image segment ${index} has invalid length 0x${hex(length, 1)} (must be a multiple of 4 below 16 MiB)`,
        { segment: index, headerOffset: pos, segmentLength: length },
      );
    }
    if (offset + length > data.length) {
      throw invalid(
        `ESP image segment ${index} (offset ${offset}, length ${length}) extends past the end of the file (${data.length} bytes)`,
        { segment: index, offset, segmentLength: length, length: data.length },
      );
    }
    segments.push({ loadAddress, offset, length });
    pos = offset + length;
  }
  return segments;
}

/**
 * 0xEF XOR every byte of every segment's data. Segment offsets and lengths are
 * multiples of 4, so when the buffer itself is 4-byte aligned the XOR runs over
 * 32-bit words (4x fewer iterations on multi-MiB images) and is folded at the end.
 */
export function segmentChecksum(data: Buffer, segments: readonly EspImageSegment[]): number {
  let bytes = ESP_IMAGE_CHECKSUM_SEED;
  let words = 0;
  const view =
    (data.byteOffset & 3) === 0 ? new Int32Array(data.buffer, data.byteOffset, data.length >>> 2) : undefined;
  for (const segment of segments) {
    const end = segment.offset + segment.length;
    if (view !== undefined && (segment.offset & 3) === 0 && (end & 3) === 0) {
      for (let w = segment.offset >>> 2, wEnd = end >>> 2; w < wEnd; w++) words ^= view[w];
    } else {
      for (let i = segment.offset; i < end; i++) bytes ^= data[i];
    }
  }
  return (bytes ^ words ^ (words >>> 8) ^ (words >>> 16) ^ (words >>> 24)) & 0xff;
}
