import { performance } from 'node:perf_hooks';

/** A rate measured over a window that excludes warm-up. */
export interface RateSample {
  /** Operations completed inside the measured window. */
  ops: number;
  /** Length of the measured window, in seconds. */
  seconds: number;
  /** ops / seconds. */
  rate: number;
}

/** Bounds of a timed rate measurement. */
export interface RateWindow {
  /** Operations running at once. */
  concurrency: number;
  /** Completions during the first `warmupMs` are not counted. */
  warmupMs: number;
  /** Length of the counted window after warm-up. */
  durationMs: number;
}

/**
 * Runs `op` on `concurrency` loops for warm-up plus duration and counts the operations
 * that complete inside the measured window. No loop starts an operation after the
 * window ends, so the run is bounded by the window plus one operation.
 */
export async function measureRate(op: () => Promise<unknown>, window: RateWindow): Promise<RateSample> {
  const start = performance.now();
  const from = start + window.warmupMs;
  const until = from + window.durationMs;
  let ops = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < until) {
      await op();
      const now = performance.now();
      if (now >= from && now <= until) ops++;
    }
  };
  await Promise.all(Array.from({ length: window.concurrency }, loop));
  const seconds = window.durationMs / 1000;
  return { ops, seconds, rate: ops / seconds };
}

/** Runs `op` on `concurrency` loops until `count` operations have run (each gets its index). */
export async function runPool(
  count: number,
  concurrency: number,
  op: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await op(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
}

/** The q-quantile (0..1) of `values` by the nearest-rank method; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** Milliseconds since an arbitrary origin, monotonic. */
export function nowMs(): number {
  return performance.now();
}
