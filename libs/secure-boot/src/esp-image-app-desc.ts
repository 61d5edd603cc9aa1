import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** First word of `esp_app_desc_t` (bytes 32 54 CD AB). */
export const ESP_APP_DESC_MAGIC = 0xabcd5432;
/** Size of `esp_app_desc_t`. */
export const ESP_APP_DESC_SIZE = 256;

/** The application description ESP-IDF places at the start of an app's first (DROM) segment. */
export interface EspAppDescription {
  /** Anti-rollback version checked against eFuse. */
  secureVersion: number;
  version: string;
  projectName: string;
  idfVersion: string;
  /** Build time as `__TIME__` ("hh:mm:ss"). */
  time: string;
  /** Build date as `__DATE__` ("Mmm dd yyyy"). */
  date: string;
  /** SHA-256 of the app ELF file (32 bytes). */
  appElfSha256?: Buffer;
  /** Minimum / maximum eFuse block revision, major*100+minor. */
  minEfuseBlockRevision?: number;
  maxEfuseBlockRevision?: number;
  /** Flash MMU page size in bytes (stored as log2; undefined when the field is 0, as in older IDF builds). */
  mmuPageSize?: number;
}

// Field offsets inside esp_app_desc_t.
const SECURE_VERSION = 4;
const VERSION = 16;
const PROJECT_NAME = 48;
const TIME = 80;
const DATE = 96;
const IDF_VERSION = 112;
const ELF_SHA256 = 144;
const MIN_EFUSE_REV = 176;
const MAX_EFUSE_REV = 178;
const MMU_PAGE_SIZE = 180;

const STRING_FIELDS = [
  ['version', VERSION, 32],
  ['projectName', PROJECT_NAME, 32],
  ['time', TIME, 16],
  ['date', DATE, 16],
  ['idfVersion', IDF_VERSION, 32],
] as const;

/** True when `data` holds an app description at `offset` (magic word present and 256 bytes available). */
export function hasEspAppDescription(data: Buffer, offset: number): boolean {
  return offset + ESP_APP_DESC_SIZE <= data.length && data.readUInt32LE(offset) === ESP_APP_DESC_MAGIC;
}

/** Decodes the 256-byte `esp_app_desc_t` at `offset`; the caller checks the magic with hasEspAppDescription. */
export function decodeEspAppDescription(data: Buffer, offset: number): EspAppDescription {
  const desc = data.subarray(offset, offset + ESP_APP_DESC_SIZE);
  const mmuLog2 = desc[MMU_PAGE_SIZE];
  return {
    secureVersion: desc.readUInt32LE(SECURE_VERSION),
    version: cString(desc, VERSION, 32),
    projectName: cString(desc, PROJECT_NAME, 32),
    time: cString(desc, TIME, 16),
    date: cString(desc, DATE, 16),
    idfVersion: cString(desc, IDF_VERSION, 32),
    appElfSha256: Buffer.from(desc.subarray(ELF_SHA256, ELF_SHA256 + 32)),
    minEfuseBlockRevision: desc.readUInt16LE(MIN_EFUSE_REV),
    maxEfuseBlockRevision: desc.readUInt16LE(MAX_EFUSE_REV),
    mmuPageSize: mmuLog2 > 0 && mmuLog2 < 32 ? 2 ** mmuLog2 : undefined,
  };
}

/**
 * Encodes a 256-byte `esp_app_desc_t`. Strings must fit their C field with its NUL
 * (version, projectName, idfVersion: 31 bytes; time, date: 15), else InvalidArgument.
 */
export function encodeEspAppDescription(desc: EspAppDescription): Buffer {
  const out = Buffer.alloc(ESP_APP_DESC_SIZE);
  out.writeUInt32LE(ESP_APP_DESC_MAGIC, 0);
  out.writeUInt32LE(desc.secureVersion >>> 0, SECURE_VERSION);
  for (const [field, offset, size] of STRING_FIELDS) {
    const bytes = Buffer.from(desc[field], 'utf8');
    if (bytes.length >= size) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `App description ${field} is ${bytes.length} bytes; at most ${size - 1} fit`,
        { field, length: bytes.length, max: size - 1 },
      );
    }
    bytes.copy(out, offset);
  }
  if (desc.appElfSha256 !== undefined) {
    if (desc.appElfSha256.length !== 32) {
      throw new FleetSignError(ErrorCode.InvalidArgument, 'App description appElfSha256 must be 32 bytes', {
        length: desc.appElfSha256.length,
      });
    }
    desc.appElfSha256.copy(out, ELF_SHA256);
  }
  out.writeUInt16LE(desc.minEfuseBlockRevision ?? 0, MIN_EFUSE_REV);
  out.writeUInt16LE(desc.maxEfuseBlockRevision ?? 0, MAX_EFUSE_REV);
  out[MMU_PAGE_SIZE] = desc.mmuPageSize === undefined ? 0 : log2PowerOfTwo(desc.mmuPageSize);
  return out;
}

function log2PowerOfTwo(value: number): number {
  const log = Math.log2(value);
  if (!Number.isInteger(log) || log < 1 || log > 31) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `MMU page size ${value} is not a power of two`, {
      value,
    });
  }
  return log;
}

/** A NUL-terminated string from a fixed-size C field (the whole field when no NUL). */
function cString(buf: Buffer, offset: number, size: number): string {
  const field = buf.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? size : end);
}
