import type { BackoffStrategy } from 'bullmq';

/**
 * How long a sign job keeps retrying infrastructure faults (store, HSM, KMS, Redis):
 * delays double from `firstDelayMs` up to `maxDelayMs`, and the job fails for good only
 * once its retries have waited `horizonMs` in all. The capped delay means signing
 * resumes at most `maxDelayMs` after the part is back.
 */
export interface RetryPolicy {
  horizonMs: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

/** Name of the sign queue's backoff strategy (BullMQ asks the worker's `backoffStrategy` for it). */
export const SIGN_RETRY_BACKOFF = 'fleetsign-capped-exponential';

/** First retry delay of a sign job. */
export const SIGN_RETRY_FIRST_DELAY_MS = 2_000;

/**
 * The attempt cap BullMQ sees on a sign job: never the limit in practice (the horizon
 * is, see `retryHorizonReached`); it only keeps a defect from retrying forever.
 */
export const SIGN_JOB_MAX_ATTEMPTS = 100_000;

/** Default: 30 minutes of retries, at most 30 s apart. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  horizonMs: 30 * 60_000,
  firstDelayMs: SIGN_RETRY_FIRST_DELAY_MS,
  maxDelayMs: 30_000,
};

/** The wait before retry number `retry` (1 = the first retry). */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  const doubled = policy.firstDelayMs * 2 ** Math.min(Math.max(retry - 1, 0), 30);
  return Math.min(doubled, policy.maxDelayMs);
}

/** Total wait of the first `retries` retries. */
export function retriesWaitedMs(policy: RetryPolicy, retries: number): number {
  let total = 0;
  for (let retry = 1; retry <= retries; retry++) {
    total += retryDelayMs(policy, retry);
    if (total >= Number.MAX_SAFE_INTEGER / 2) break;
  }
  return total;
}

/**
 * True when the failure of attempt number `attempt` (1-based) is final: the retries
 * before it have waited the whole horizon.
 */
export function retryHorizonReached(policy: RetryPolicy, attempt: number): boolean {
  return retriesWaitedMs(policy, attempt - 1) >= policy.horizonMs;
}

/** The sign worker's BullMQ backoff strategy for `policy`. */
export function signRetryBackoff(policy: RetryPolicy): BackoffStrategy {
  return (attemptsMade: number) => retryDelayMs(policy, attemptsMade);
}
