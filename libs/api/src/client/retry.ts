import { setTimeout as delay } from 'node:timers/promises';

/** How often and how patiently a failed request is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Requests and transfers: 4 attempts over a few seconds ride out a restarting pod or a busy store. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 4000 };

/** Delay before attempt `attempt + 1`: doubling from the initial delay, capped, with jitter so clients spread out. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling * (0.5 + random() / 2));
}

/**
 * Runs `operation` until it succeeds, fails with an error `retryable` refuses, or the
 * policy's attempts are used up (the last error is thrown). Aborting `signal` stops
 * the wait between attempts.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: { retryable: (err: unknown) => boolean; policy?: RetryPolicy; signal?: AbortSignal },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      lastError = err;
      if (attempt === policy.attempts || options.signal?.aborted || !options.retryable(err)) break;
      await delay(retryDelayMs(policy, attempt), undefined, { signal: options.signal });
    }
  }
  throw lastError;
}
