import { ErrorCode, isFleetSignError, isTransientError } from '@fleetsign/errors';
import { encodeFailureReason, type FailureReason, type RetryPolicy, retryHorizonReached, UnrecoverableError } from '@fleetsign/queue';

/** Why a job attempt failed, in the form the gateway and webhooks report. */
export interface JobFailure extends FailureReason {
  /** True when retrying cannot help. */
  permanent: boolean;
}

/**
 * Classifies an error thrown by a job attempt. Errors without a FleetSign code keep
 * their text out of the reason (it may name internals); the log has it.
 */
export function classifyJobError(err: unknown): JobFailure {
  if (isFleetSignError(err)) return { code: err.code, message: err.message, permanent: !isTransientError(err) };
  return { code: ErrorCode.Internal, message: 'The signer failed with an unexpected error; it will retry', permanent: false };
}

/** A transient failure, rethrown for BullMQ to retry; the original error is its cause. */
export class RetryableJobError extends Error {
  constructor(failure: JobFailure, cause: unknown) {
    super(encodeFailureReason(failure), { cause });
    this.name = 'RetryableJobError';
  }
}

/** The error a job attempt ends with: UnrecoverableError for permanent failures (no retry), else RetryableJobError. */
export function jobError(failure: JobFailure, cause: unknown): Error {
  return failure.permanent ? new UnrecoverableError(encodeFailureReason(failure)) : new RetryableJobError(failure, cause);
}

/**
 * True when this attempt is the job's last one: no retry follows a failure now, because
 * the retries so far have waited the policy's whole horizon or the job's attempt cap is reached.
 */
export function isLastAttempt(job: { attemptsMade: number; opts: { attempts?: number } }, policy: RetryPolicy): boolean {
  const attempt = job.attemptsMade + 1;
  return attempt >= (job.opts.attempts ?? 1) || retryHorizonReached(policy, attempt);
}
