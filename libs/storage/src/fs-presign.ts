import { createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { encodeKeyPath, validateObjectKey } from './object-key';

/** Path under the gateway's base URL that serves fs-driver objects: `<base>/v1/objects/<key>`. */
export const FS_OBJECT_ROUTE = '/v1/objects/';
/** Shortest accepted signing secret, in characters. */
export const MIN_FS_SIGNING_SECRET_LENGTH = 32;

const SIGNATURE_VERSION = 'fleetsign-object-v1';
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** What a presigned fs URL allows. */
export interface FsPresignedGrant {
  method: 'GET' | 'PUT';
  key: string;
  expiresAt: Date;
  /** PUT only: the route must refuse larger bodies (pass it as `put`'s `maxBytes`). */
  maxBytes?: number;
  /** PUT only: the route must refuse another Content-Type. */
  contentType?: string;
  /** PUT only: hex SHA-256 the body must have; the route refuses other bytes and stores nothing. */
  sha256?: string;
}

/** What to sign into a presigned fs URL. */
export interface FsPresignRequest {
  method: 'GET' | 'PUT';
  key: string;
  /** Expiry as unix seconds. */
  expires: number;
  maxBytes?: number;
  contentType?: string;
  /** Hex SHA-256 (lower case) the uploaded body must have. */
  sha256?: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Refuses signing secrets too short to resist guessing. */
export function assertFsSigningSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length < MIN_FS_SIGNING_SECRET_LENGTH) {
    throw new FleetSignError(
      ErrorCode.InvalidConfig,
      `the fs storage signing secret must be at least ${MIN_FS_SIGNING_SECRET_LENGTH} characters`,
    );
  }
}

function signature(secret: string, req: FsPresignRequest): Buffer {
  const canonical = [
    SIGNATURE_VERSION,
    req.method,
    req.key,
    req.expires,
    req.maxBytes ?? '',
    req.contentType ?? '',
    // Appended only when present, so URLs signed before checksums existed still verify.
    ...(req.sha256 !== undefined ? [req.sha256] : []),
  ].join('\n');
  return createHmac('sha256', secret).update(canonical).digest();
}

/** Builds `${publicBaseUrl}/v1/objects/<key>?expires=..&sig=..` (plus `max`/`ct` for uploads). */
export function signFsObjectUrl(publicBaseUrl: string, secret: string, req: FsPresignRequest): string {
  validateObjectKey(req.key);
  if (req.contentType !== undefined && (req.contentType === '' || CONTROL_CHARS.test(req.contentType))) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      'content type must be non-empty without control characters',
    );
  }
  if (req.sha256 !== undefined && !SHA256_HEX.test(req.sha256)) {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'sha256 must be 64 lower-case hex digits');
  }
  const url = new URL(publicBaseUrl.replace(/\/+$/, '') + FS_OBJECT_ROUTE + encodeKeyPath(req.key));
  url.searchParams.set('expires', String(req.expires));
  if (req.maxBytes !== undefined) url.searchParams.set('max', String(req.maxBytes));
  if (req.contentType !== undefined) url.searchParams.set('ct', req.contentType);
  if (req.sha256 !== undefined) url.searchParams.set('sha256', req.sha256);
  url.searchParams.set('sig', signature(secret, req).toString('base64url'));
  return url.toString();
}

function forbidden(reason: string): FleetSignError {
  return new FleetSignError(ErrorCode.Forbidden, `presigned object URL refused: ${reason}`);
}

function decodeKey(encoded: string): string {
  try {
    return encoded.split('/').map(decodeURIComponent).join('/');
  } catch {
    throw forbidden('malformed key');
  }
}

function optionalInteger(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw forbidden(`malformed ${name}`);
  return Number(value);
}

/**
 * Checks a presigned fs-driver URL as the gateway route receives it (absolute, or
 * path plus query) for the request's HTTP method (HEAD counts as GET). Returns what
 * it grants; throws FORBIDDEN when it is malformed, tampered with, for another
 * method, or expired.
 */
export function verifyFsPresignedUrl(
  url: string | URL,
  opts: { method: string; secret: string; now?: Date },
): FsPresignedGrant {
  const method = opts.method.toUpperCase() === 'HEAD' ? 'GET' : opts.method.toUpperCase();
  if (method !== 'GET' && method !== 'PUT') throw forbidden(`method ${opts.method} is not allowed`);
  const parsed = typeof url === 'string' ? new URL(url, 'http://fleetsign.invalid') : url;
  const routeAt = parsed.pathname.indexOf(FS_OBJECT_ROUTE);
  if (routeAt < 0) throw forbidden(`path is not under ${FS_OBJECT_ROUTE}`);
  const key = decodeKey(parsed.pathname.slice(routeAt + FS_OBJECT_ROUTE.length));
  try {
    validateObjectKey(key);
  } catch {
    throw forbidden('invalid key');
  }
  const expires = optionalInteger(parsed.searchParams.get('expires'), 'expires');
  const sig = parsed.searchParams.get('sig');
  if (expires === undefined || !sig) throw forbidden('missing expires or sig');
  const maxBytes = optionalInteger(parsed.searchParams.get('max'), 'max');
  const contentType = parsed.searchParams.get('ct') ?? undefined;
  const sha256 = parsed.searchParams.get('sha256') ?? undefined;
  if (sha256 !== undefined && !SHA256_HEX.test(sha256)) throw forbidden('malformed sha256');

  const expected = signature(opts.secret, { method, key, expires, maxBytes, contentType, sha256 });
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden('bad signature');
  const now = opts.now ?? new Date();
  if (now.getTime() >= expires * 1000) throw forbidden('expired');
  return {
    method,
    key,
    expiresAt: new Date(expires * 1000),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(sha256 !== undefined ? { sha256 } : {}),
  };
}
