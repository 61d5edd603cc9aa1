import { createCipheriv, createHash } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { ESP_APP_DESC_SIZE, type EspAppDescription, encodeEspAppDescription } from './esp-image-app-desc';
import {
  encodeEspImageHeader,
  ESP_FLASH_MODES,
  ESP_IMAGE_DIGEST_SIZE,
  ESP_IMAGE_HEADER_SIZE,
  ESP_IMAGE_MAX_SEGMENT_LENGTH,
  ESP_IMAGE_MAX_SEGMENTS,
  ESP_IMAGE_SEGMENT_HEADER_SIZE,
  ESP_IMAGE_WP_PIN_DISABLED,
} from './esp-image-header';
import { segmentChecksum, type EspImageSegment } from './esp-image';

/** A segment given verbatim to buildEspImage. */
export interface EspImageSegmentInput {
  loadAddress: number;
  /** Length must be a multiple of 4 and below 16 MiB, as the bootloader requires. */
  data: Buffer;
}

/** Options of buildEspImage. */
export interface BuildEspImageOptions {
  /** Image-header chip id (section 10 of the format spec; any u16 is written as given). */
  chipId: number;
  /**
   * Exact segments to write. When given, the builder writes only header, these
   * segments, checksum and digest: `size`, `appDescription`, `secureVersion`,
   * `projectName` and `version` must then be absent.
   */
  segments?: EspImageSegmentInput[];
  /**
   * Total length of the generated image (rounded up to 16, the image-end granularity):
   * the file ends exactly at imageEnd. Default 65536. Filled with seeded pseudo-random data.
   */
  size?: number;
  /** Seed of the pseudo-random segment data and of the default ELF hash; same seed, same bytes. Default 1. */
  seed?: number;
  /** Append the SHA-256 of the image (default true, as ESP-IDF does for apps). */
  hashAppended?: boolean;
  /** Fields of the app description; unset fields get fixed defaults. */
  appDescription?: Partial<EspAppDescription>;
  /** Shortcuts for the most varied app-description fields (override appDescription). */
  secureVersion?: number;
  projectName?: string;
  version?: string;
  /** Header fields. Defaults: DIO, 0x20 (4 MB, 40 MHz), min rev 0, max rev 0xFFFF (no limit). */
  flashMode?: number;
  flashSizeFreq?: number;
  entryPoint?: number;
  minChipRevision?: number;
  maxChipRevision?: number;
}

/** Largest filler segment: keeps many segments in big images, like real IROM/DROM splits. */
const FILLER_SEGMENT_MAX = 0x400000;
const DEFAULT_SIZE = 65536;
const DEFAULT_SEED = 1;
const DEFAULT_MMU_PAGE_SIZE = 0x10000;

/**
 * Plausible flash-mapped bases (DROM, IROM) and entry points per chip id. The
 * load address of a mapped segment is base + file offset of its data, which keeps
 * the address and the flash offset congruent modulo the 64 KiB MMU page as the
 * bootloader requires. Not meant to run: the payload is random.
 */
const MEMORY_MAP: Readonly<Record<number, { drom: number; irom: number; entry: number }>> = {
  0: { drom: 0x3f400000, irom: 0x400d0000, entry: 0x40081000 },
  2: { drom: 0x3f000000, irom: 0x40080000, entry: 0x40025000 },
  13: { drom: 0x42800000, irom: 0x42000000, entry: 0x40800000 },
  16: { drom: 0x42800000, irom: 0x42000000, entry: 0x40800000 },
  18: { drom: 0x40000000, irom: 0x40000000, entry: 0x4ff00000 },
  20: { drom: 0x42800000, irom: 0x42000000, entry: 0x40800000 },
  23: { drom: 0x42800000, irom: 0x42000000, entry: 0x40800000 },
};
const DEFAULT_MEMORY_MAP = { drom: 0x3c000000, irom: 0x42000000, entry: 0x40380000 };

/**
 * Builds a valid ESP app image (header, esp_app_desc_t at the start of the first
 * DROM segment, seeded pseudo-random segments, checksum, SHA-256) for tests, the
 * demo and the benchmark. Deterministic for a given seed; a 16 MiB image takes
 * a few tens of milliseconds.
 */
export function buildEspImage(options: BuildEspImageOptions): Buffer {
  if (options.segments !== undefined) rejectGeneratedOptions(options);
  const hashAppended = options.hashAppended ?? true;
  const segments = options.segments ?? generatedSegments(options, hashAppended);
  return assembleImage(options, segments, hashAppended);
}

function generatedSegments(options: BuildEspImageOptions, hashAppended: boolean): EspImageSegmentInput[] {
  const size = options.size ?? DEFAULT_SIZE;
  const seed = options.seed ?? DEFAULT_SEED;
  const map = MEMORY_MAP[options.chipId] ?? DEFAULT_MEMORY_MAP;
  const lengths = planSegmentLengths(size, hashAppended);
  const total = lengths.reduce((sum, length) => sum + length, 0);
  const payload = pseudoRandomBytes(seed, total);

  const description = encodeEspAppDescription({
    secureVersion: 0,
    version: '1.0.0',
    projectName: 'fleetsign-test',
    idfVersion: 'v5.5.1',
    time: '12:00:00',
    date: 'Jan  1 2026',
    appElfSha256: createHash('sha256').update(`fleetsign-elf:${seed}`).digest(),
    mmuPageSize: DEFAULT_MMU_PAGE_SIZE,
    ...options.appDescription,
    ...(options.secureVersion !== undefined && { secureVersion: options.secureVersion }),
    ...(options.projectName !== undefined && { projectName: options.projectName }),
    ...(options.version !== undefined && { version: options.version }),
  });
  description.copy(payload, 0);

  const segments: EspImageSegmentInput[] = [];
  let dataOffset = ESP_IMAGE_HEADER_SIZE + ESP_IMAGE_SEGMENT_HEADER_SIZE;
  let payloadOffset = 0;
  lengths.forEach((length, index) => {
    const base = index === 0 ? map.drom : map.irom;
    segments.push({
      loadAddress: base + dataOffset,
      data: payload.subarray(payloadOffset, payloadOffset + length),
    });
    payloadOffset += length;
    dataOffset += length + ESP_IMAGE_SEGMENT_HEADER_SIZE;
  });
  return segments;
}

/**
 * Splits the payload so the image ends exactly at `size` rounded up to 16: the
 * checksum byte sits at end-1 (or end-33 with the digest) and the last segment
 * must end 3 bytes before it, since lengths are multiples of 4 and the checksum
 * is at an offset of 15 mod 16.
 */
function planSegmentLengths(size: number, hashAppended: boolean): number[] {
  const digest = hashAppended ? ESP_IMAGE_DIGEST_SIZE : 0;
  const limits = sizeLimits(digest);
  if (!Number.isSafeInteger(size) || size < limits.min || size > limits.max) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `Cannot build an image of ${size} bytes: the size must be an integer from ${limits.min} to ${limits.max}`,
      { size, ...limits },
    );
  }
  const imageEnd = Math.ceil(size / 16) * 16;
  const data1 = imageEnd - 4 - digest - ESP_IMAGE_HEADER_SIZE - ESP_IMAGE_SEGMENT_HEADER_SIZE;
  for (let count = 2; count <= ESP_IMAGE_MAX_SEGMENTS; count++) {
    const data = data1 - (count - 1) * ESP_IMAGE_SEGMENT_HEADER_SIZE;
    // A quarter of the payload (at least the app description) goes to the DROM segment.
    const first = Math.min(FILLER_SEGMENT_MAX, Math.max(ESP_APP_DESC_SIZE, align4(Math.floor(data / 4))));
    const rest = data - first;
    if (rest < 4 * (count - 1)) break;
    if (rest <= FILLER_SEGMENT_MAX * (count - 1)) {
      const share = Math.ceil(rest / (count - 1) / 4) * 4;
      const lengths = [first];
      for (let i = 1; i < count; i++) lengths.push(i < count - 1 ? share : rest - share * (count - 2));
      return lengths;
    }
  }
  return [data1]; // too small for two segments: the app description segment alone
}

/** Smallest and largest generated image: one 256-byte segment, or 16 full filler segments. */
function sizeLimits(digest: number): { min: number; max: number } {
  const headers = ESP_IMAGE_HEADER_SIZE + ESP_IMAGE_SEGMENT_HEADER_SIZE;
  const min = ((headers + ESP_APP_DESC_SIZE) | 15) + 1 + digest;
  const fullSegmentsEnd =
    ESP_IMAGE_HEADER_SIZE + ESP_IMAGE_MAX_SEGMENTS * (ESP_IMAGE_SEGMENT_HEADER_SIZE + FILLER_SEGMENT_MAX);
  // The last segment ends 3 bytes before the checksum byte at an offset of 15 mod 16.
  const segmentsEnd = fullSegmentsEnd - ((((fullSegmentsEnd - 12) % 16) + 16) % 16);
  return { min, max: segmentsEnd + 4 + digest };
}

function align4(value: number): number {
  return value - (value % 4);
}

/** Seeded pseudo-random bytes: AES-128-CTR keystream (hardware-accelerated, GB/s), key derived from the seed. */
function pseudoRandomBytes(seed: number, length: number): Buffer {
  const key = createHash('sha256').update(`fleetsign-image-builder:${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const stream = cipher.update(Buffer.alloc(length));
  cipher.final(); // CTR mode has no final block
  return stream;
}

function assembleImage(
  options: BuildEspImageOptions,
  segments: EspImageSegmentInput[],
  hashAppended: boolean,
): Buffer {
  if (segments.length < 1 || segments.length > ESP_IMAGE_MAX_SEGMENTS) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `An ESP image has 1..${ESP_IMAGE_MAX_SEGMENTS} segments, ${segments.length} given`,
      { segmentCount: segments.length },
    );
  }
  let segmentsEnd = ESP_IMAGE_HEADER_SIZE;
  segments.forEach(({ data }, index) => {
    if (data.length % 4 !== 0 || data.length >= ESP_IMAGE_MAX_SEGMENT_LENGTH) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `Segment ${index} length ${data.length} must be a multiple of 4 below 16 MiB`,
        { segment: index, segmentLength: data.length },
      );
    }
    segmentsEnd += ESP_IMAGE_SEGMENT_HEADER_SIZE + data.length;
  });
  const checksumOffset = segmentsEnd | 15;
  const imageEnd = checksumOffset + 1 + (hashAppended ? ESP_IMAGE_DIGEST_SIZE : 0);
  const map = MEMORY_MAP[options.chipId] ?? DEFAULT_MEMORY_MAP;

  const out = Buffer.alloc(imageEnd);
  const minChipRevision = options.minChipRevision ?? 0;
  encodeEspImageHeader({
    segmentCount: segments.length,
    flashMode: options.flashMode ?? ESP_FLASH_MODES.dio,
    flashSizeFreq: options.flashSizeFreq ?? 0x20,
    entryPoint: options.entryPoint ?? map.entry,
    wpPin: ESP_IMAGE_WP_PIN_DISABLED,
    spiPinDrive: [0, 0, 0],
    chipId: options.chipId,
    minChipRevisionLegacy: Math.floor(minChipRevision / 100),
    minChipRevision,
    maxChipRevision: options.maxChipRevision ?? 0xffff,
    hashAppended: hashAppended ? 1 : 0,
  }).copy(out, 0);

  const placed: EspImageSegment[] = [];
  let pos = ESP_IMAGE_HEADER_SIZE;
  for (const { loadAddress, data } of segments) {
    out.writeUInt32LE(loadAddress >>> 0, pos);
    out.writeUInt32LE(data.length, pos + 4);
    data.copy(out, pos + ESP_IMAGE_SEGMENT_HEADER_SIZE);
    placed.push({ loadAddress, offset: pos + ESP_IMAGE_SEGMENT_HEADER_SIZE, length: data.length });
    pos += ESP_IMAGE_SEGMENT_HEADER_SIZE + data.length;
  }
  out[checksumOffset] = segmentChecksum(out, placed);
  if (hashAppended) {
    createHash('sha256')
      .update(out.subarray(0, checksumOffset + 1))
      .digest()
      .copy(out, checksumOffset + 1);
  }
  return out;
}

function rejectGeneratedOptions(options: BuildEspImageOptions): void {
  const conflicting = (['size', 'appDescription', 'secureVersion', 'projectName', 'version'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (conflicting.length > 0) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `buildEspImage: ${conflicting.join(', ')} cannot be combined with explicit segments`,
      { conflicting },
    );
  }
}
