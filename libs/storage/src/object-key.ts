import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** Longest key accepted, in UTF-8 bytes (the S3 limit). */
export const MAX_OBJECT_KEY_BYTES = 1024;
/** Longest presign lifetime, in seconds (the SigV4 limit: 7 days). */
export const MAX_PRESIGN_EXPIRES_SEC = 7 * 24 * 3600;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function invalidKey(key: string, reason: string): FleetSignError {
  return new FleetSignError(
    ErrorCode.InvalidArgument,
    `object key ${JSON.stringify(key)} is invalid: ${reason}`,
    { key },
  );
}

/**
 * Checks the shape shared by every driver: relative, '/'-separated, no empty, '.' or
 * '..' segments, no backslashes or control characters, at most 1024 bytes.
 */
export function validateObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw invalidKey(String(key), 'empty');
  validateKeyText(key);
  if (key.endsWith('/')) throw invalidKey(key, 'ends with "/"');
}

/** Checks a list prefix: '' or the start of a valid key. */
export function validateKeyPrefix(prefix: string): void {
  if (prefix === '') return;
  validateKeyText(prefix);
}

function validateKeyText(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_OBJECT_KEY_BYTES)
    throw invalidKey(key, `longer than ${MAX_OBJECT_KEY_BYTES} bytes`);
  if (key.startsWith('/')) throw invalidKey(key, 'absolute');
  if (key.includes('\\')) throw invalidKey(key, 'contains a backslash');
  if (CONTROL_CHARS.test(key)) throw invalidKey(key, 'contains a control character');
  const segments = key.split('/');
  // A trailing '' after the last '/' is the open end of a prefix, checked by the caller.
  for (const segment of segments.slice(0, -1)) {
    if (segment === '') throw invalidKey(key, 'contains an empty segment');
  }
  if (segments.some((segment) => segment === '.' || segment === '..'))
    throw invalidKey(key, 'contains a "." or ".." segment');
  if (segments.some(isDisguisedDotSegment))
    throw invalidKey(key, 'contains a segment that reads as "." or ".." once decoded or normalised');
}

/**
 * True for a segment that a URL decoder or Unicode normalisation turns into '.' or '..'
 * ('%2e%2e', '‥' U+2025, '．．' U+FF0E): harmless to the stores themselves, but any
 * tool that decodes or normalises keys on the way would read it as a step out.
 */
function isDisguisedDotSegment(segment: string): boolean {
  let text = segment;
  for (let round = 0; round < 3 && text.includes('%'); round++) {
    try {
      text = decodeURIComponent(text);
    } catch {
      break;
    }
  }
  const normalised = text.normalize('NFKC');
  return normalised === '.' || normalised === '..';
}

/** Percent-encodes each segment of a key for use in a URL path, keeping the '/' separators. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** Checks a presign lifetime: a whole number of seconds from 1 to 7 days. */
export function validateExpiresSec(expiresSec: number): void {
  if (!Number.isInteger(expiresSec) || expiresSec < 1 || expiresSec > MAX_PRESIGN_EXPIRES_SEC) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `presign lifetime must be a whole number of seconds from 1 to ${MAX_PRESIGN_EXPIRES_SEC}, got ${expiresSec}`,
    );
  }
}

/** Checks a byte limit: a non-negative safe integer. */
export function validateMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `byte limit must be a non-negative integer, got ${maxBytes}`,
    );
  }
}

/** Key whose HEAD proves the object store answers, for readiness probes (the object need not exist). */
export const STORE_PROBE_KEY = 'health/readyz-probe';
