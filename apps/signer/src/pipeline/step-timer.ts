import { performance } from 'node:perf_hooks';
import { withSpan, tracingEnabled } from '@fleetsign/observability';
import type { SignerMetrics, SignStep } from '../observability/signer-metrics';

/** Measures pipeline steps: milliseconds per step for the job result, seconds per step for the metrics. */
export class StepTimer {
  private readonly started = performance.now();
  private readonly spent: Partial<Record<SignStep, number>> = {};

  constructor(private readonly metrics?: SignerMetrics) {}

  /** Runs one step and adds its duration to the step's total; with tracing on, the step is a span `sign.<step>`. */
  async run<T>(step: SignStep, fn: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return tracingEnabled() ? await withSpan(`sign.${step}`, {}, fn) : await fn();
    } finally {
      const ms = performance.now() - start;
      this.spent[step] = (this.spent[step] ?? 0) + ms;
      this.metrics?.stepDuration.observe({ step }, ms / 1000);
    }
  }

  /** Milliseconds spent in `step` so far, to 0.01 ms. */
  ms(step: SignStep): number {
    return round(this.spent[step] ?? 0);
  }

  /** Milliseconds since the timer was made, to 0.01 ms. */
  totalMs(): number {
    return round(performance.now() - this.started);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
