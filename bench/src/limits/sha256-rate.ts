import { createHash, randomBytes } from 'node:crypto';
import { makeFigure } from '../core/figures';
import { measureRate } from '../core/measure';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';

/** Id of the SHA-256 throughput figure. */
export const SHA256_RATE_ID = 'limit.sha256.mb_per_s';
/** Size of each hashed buffer: the largest image FleetSign accepts by default. */
export const SHA256_BUFFER_BYTES = 16 * 1024 * 1024;

/** The hashing limit: node:crypto SHA-256 over 16 MiB buffers on one thread, in MB/s (10^6 bytes). */
export const sha256RateScenario: Scenario = {
  name: 'limit-sha256',
  title: 'SHA-256 throughput (node:crypto, 16 MiB buffers)',
  async run(ctx) {
    const buffer = randomBytes(SHA256_BUFFER_BYTES);
    const window = ctx.quick ? { warmupMs: 300, durationMs: 1_500 } : { warmupMs: 1_000, durationMs: 4_000 };
    // Hashing is synchronous: one loop, the event loop yields between buffers.
    const sample = await measureRate(
      async () => {
        createHash('sha256').update(buffer).digest();
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
      { concurrency: 1, ...window },
    );
    const mbPerSecond = (sample.rate * SHA256_BUFFER_BYTES) / 1e6;
    progress(`  SHA-256: ${mbPerSecond.toFixed(0)} MB/s`);
    return {
      figures: [
        makeFigure({
          id: SHA256_RATE_ID,
          label: 'SHA-256 throughput, node:crypto, 16 MiB buffers',
          unit: 'MB/s',
          value: mbPerSecond,
          details: { buffers: sample.ops, seconds: sample.seconds, bufferBytes: SHA256_BUFFER_BYTES },
        }),
      ],
    };
  },
};
