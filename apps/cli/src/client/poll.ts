import { setTimeout as delay } from 'node:timers/promises';

/** Waits between polls: growing from `initialMs` by `factor` up to `maxMs`. */
export interface PollBackoff {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** Job and batch polling: quick at first (small jobs finish in well under a second), then every 2 s. */
export const DEFAULT_POLL_BACKOFF: PollBackoff = { initialMs: 200, maxMs: 2000, factor: 1.5 };

/** The wait ran past its deadline. */
export class PollTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PollTimeoutError';
  }
}

/**
 * Reads until `done` holds, waiting with bounded backoff between reads, and gives up
 * with PollTimeoutError (message from `timeoutMessage`) once `timeoutMs` has passed.
 * The number of reads is bounded by the timeout over the initial wait.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: {
    timeoutMs: number;
    timeoutMessage: (last: T) => string;
    backoff?: PollBackoff;
    signal?: AbortSignal;
    now?: () => number;
  },
): Promise<T> {
  const backoff = options.backoff ?? DEFAULT_POLL_BACKOFF;
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const maxReads = Math.ceil(options.timeoutMs / backoff.initialMs) + 1;
  let wait = backoff.initialMs;
  let value = await read();
  for (let reads = 1; !done(value); reads++) {
    const left = deadline - now();
    if (left <= 0 || reads >= maxReads) throw new PollTimeoutError(options.timeoutMessage(value));
    await delay(Math.min(wait, left), undefined, { signal: options.signal });
    wait = Math.min(backoff.maxMs, wait * backoff.factor);
    value = await read();
  }
  return value;
}
