import { setTimeout as delay } from 'node:timers/promises';
import { DevStackError } from './devstack-error';

/** Bounds of a poll. */
export interface PollOptions {
  /** Give up after this long, in milliseconds. */
  timeoutMs: number;
  /** Pause between attempts, in milliseconds (default 100). */
  intervalMs?: number;
  /** What is awaited, for the timeout message, e.g. 'the gateway /readyz'. */
  description: string;
  /** Stops the poll early (the signal's reason is thrown). */
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns a value other than undefined, then returns it. A
 * probe that throws counts as "not yet"; its last message is quoted when the poll
 * times out (DevStackError). At most one probe runs at a time, and the total wait
 * is bounded by `timeoutMs` plus the duration of the last probe.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastProblem: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastProblem = undefined;
    } catch (err) {
      lastProblem = err instanceof Error ? err.message : String(err);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const seconds = Math.round(options.timeoutMs / 100) / 10;
      const last = lastProblem ? ` (last problem: ${lastProblem})` : '';
      throw new DevStackError(`timed out after ${seconds} s waiting for ${options.description}${last}`);
    }
    try {
      await delay(Math.min(interval, left), undefined, { signal: options.signal });
    } catch {
      options.signal?.throwIfAborted();
    }
  }
}
