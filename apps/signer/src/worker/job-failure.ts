import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import { UnrecoverableError } from '@fleetsign/queue';

/**
 * Codes of faults that may pass: the HSM, KMS, object store or Redis was busy or away,
 * or a fresh signature did not verify (an HSM glitch). Jobs failing with these are
 * retried with backoff; every other FleetSign code is caused by the request or the
 * configuration and fails the job at once.
 */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.HsmUnavailable,
  ErrorCode.HsmError,
  ErrorCode.KmsError,
  ErrorCode.StorageError,
  ErrorCode.IoError,
  ErrorCode.SignatureVerificationFailed,
  ErrorCode.Internal,
]);

/** Why a job attempt failed, in the form the gateway and webhooks report. */
export interface JobFailure {
  code: ErrorCode;
  message: string;
  /** True when retrying cannot help. */
  permanent: boolean;
}

/** True when a retry may succeed: a transient code, a retryable KMS error, or an error without a code (Redis, network). */
export function isTransientError(err: unknown): boolean {
  if (!isFleetSignError(err)) return true;
  if (err.code === ErrorCode.KmsError) return err.details?.retryable !== false;
  return TRANSIENT_CODES.has(err.code);
}

/**
 * Classifies an error thrown by a job attempt. Errors without a FleetSign code keep
 * their text out of the reason (it may name internals); the log has it.
 */
export function classifyJobError(err: unknown): JobFailure {
  if (isFleetSignError(err)) return { code: err.code, message: err.message, permanent: !isTransientError(err) };
  return { code: ErrorCode.Internal, message: 'The signer failed with an unexpected error; it will retry', permanent: false };
}

/** The job's failedReason: JSON `{"code","message"}` as the gateway parses it. */
export function failureReason(failure: Pick<JobFailure, 'code' | 'message'>): string {
  return JSON.stringify({ code: failure.code, message: failure.message });
}

/** A transient failure, rethrown for BullMQ to retry; the original error is its cause. */
export class RetryableJobError extends Error {
  constructor(failure: JobFailure, cause: unknown) {
    super(failureReason(failure), { cause });
    this.name = 'RetryableJobError';
  }
}

/** The error a job attempt ends with: UnrecoverableError for permanent failures (no retry), else RetryableJobError. */
export function jobError(failure: JobFailure, cause: unknown): Error {
  return failure.permanent ? new UnrecoverableError(failureReason(failure)) : new RetryableJobError(failure, cause);
}

/** True when this attempt is the job's last one: no retry follows a failure now. */
export function isLastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
