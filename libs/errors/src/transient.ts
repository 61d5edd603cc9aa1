import { ErrorCode } from './error-code';
import { isFleetSignError } from './fleetsign-error';

/**
 * Codes of infrastructure faults that pass: the HSM, KMS, object store or Redis was
 * busy or away, or a fresh signature did not verify (an HSM glitch). Work failing with
 * these is retried; every other code is caused by the request or the configuration.
 */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.HsmUnavailable,
  ErrorCode.HsmError,
  ErrorCode.KmsError,
  ErrorCode.StorageError,
  ErrorCode.IoError,
  ErrorCode.SignatureVerificationFailed,
  ErrorCode.ServiceUnavailable,
  ErrorCode.Internal,
]);

/** True when a retry may succeed: a transient code, a KMS error its provider calls retryable, or an error without a code (Redis, network). */
export function isTransientError(err: unknown): boolean {
  if (!isFleetSignError(err)) return true;
  if (err.code === ErrorCode.KmsError) return err.details?.retryable !== false;
  return TRANSIENT_CODES.has(err.code);
}
