import { SIGNER_ENV } from '@fleetsign/config';
import { QueueName, createQueue, createRedisConnection } from '@fleetsign/queue';
import { makeFigure } from '../core/figures';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';
import { BENCH_PROFILES } from '../stack/fleet-config';
import { startFleetStack } from '../stack/fleet-stack';
import { FleetSignApi } from '@fleetsign/api';
import { assertAllSucceeded, jobStats, runSingleJobs } from './single-jobs';
import { allocateSeeds, stageImages } from './stage-images';
import { webhookTimeoutMs } from './image-size';
import { startWebhookReceiver } from './webhook-receiver';

const IMAGE_BYTES = 16 * 1024 * 1024;
const SIGNER_CONCURRENCY = 8;
/** How often the signer's resident memory is sampled while it works. */
const SAMPLE_INTERVAL_MS = 50;

/** Samples the sign queue's active job count; `max` is the most seen at once. */
function activeJobsSampler(redisUrl: string, prefix: string) {
  const connection = createRedisConnection(redisUrl, 'producer');
  const queue = createQueue(QueueName.Sign, connection, prefix);
  const state = { max: 0 };
  return {
    state,
    sample: () =>
      queue.getActiveCount().then(
        (active) => (state.max = Math.max(state.max, active)),
        () => undefined,
      ),
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/**
 * The signer's peak resident memory (VmHWM) while it signs 16 MiB images (the default
 * size limit) eight at a time (FLEETSIGN_SIGNER_CONCURRENCY=8), RSA-3072 profile, fs store.
 */
export const signerMemoryScenario: Scenario = {
  name: 'signer-rss-16m',
  title: 'signer peak RSS, 16 MiB images at concurrency 8',
  async run(ctx) {
    const count = ctx.quick ? 12 : 32;
    const name = 'signer-rss-16m';
    const stack = await startFleetStack(ctx, {
      name,
      store: 'fs',
      signerEnv: { [SIGNER_ENV.concurrency]: String(SIGNER_CONCURRENCY) },
    });
    const receiver = await startWebhookReceiver(stack.webhookSecret);
    const active = activeJobsSampler(stack.redisUrl, stack.redisPrefix);
    let sampler: NodeJS.Timeout | undefined;
    try {
      const images = await stageImages(stack.store, {
        name,
        count,
        bytes: IMAGE_BYTES,
        firstSeed: allocateSeeds(count),
        concurrency: 2,
      });
      const idle = await stack.signer.stats();
      progress(`  staged ${count} x 16 MiB; signer idle RSS ${(idle.rss / 1e6).toFixed(0)} MB; submitting`);
      let maxSampled = idle.rss;
      // VmHWM is the figure; the samples show how long the peak lasted.
      sampler = setInterval(() => {
        void active.sample();
        stack.signer.stats().then(
          (stats) => (maxSampled = Math.max(maxSampled, stats.rss)),
          () => undefined,
        );
      }, SAMPLE_INTERVAL_MS);
      const client = new FleetSignApi({ baseUrl: stack.gatewayUrl, apiKey: stack.apiToken });
      const jobs = await runSingleJobs(client, receiver, images, {
        profile: BENCH_PROFILES.rsa3072.name,
        httpConcurrency: count,
        timeoutMs: webhookTimeoutMs(count, IMAGE_BYTES),
      });
      clearInterval(sampler);
      assertAllSucceeded(jobs, name);
      const stats = jobStats(jobs, 0);
      const end = await stack.signer.stats();
      // The figure is only about concurrency 8 if the signer really ran more than 8 never.
      if (active.state.max > SIGNER_CONCURRENCY)
        throw new Error(
          `${active.state.max} jobs were active at once with concurrency ${SIGNER_CONCURRENCY}`,
        );
      progress(
        `  signer peak RSS ${(end.peakRss / 1e6).toFixed(0)} MB; ${stats.wallRate.toFixed(2)} images/s; ` +
          `at most ${active.state.max} jobs active at once (concurrency ${SIGNER_CONCURRENCY})`,
      );
      return {
        figures: [
          makeFigure({
            id: 'signer.peak_rss_16m_c8_mb',
            label: `signer peak RSS, ${count} x 16 MiB images, concurrency ${SIGNER_CONCURRENCY}`,
            unit: 'MB',
            value: end.peakRss / 1e6,
            target: { kind: 'below', max: 300 },
            details: {
              source: 'VmHWM of the signer process',
              idleRssMb: idle.rss / 1e6,
              maxSampledRssMb: maxSampled / 1e6,
              sampleIntervalMs: SAMPLE_INTERVAL_MS,
              signerConcurrency: SIGNER_CONCURRENCY,
              maxActiveJobsSampled: active.state.max,
              imagesPerSecond: stats.wallRate,
              latencyP50Ms: stats.latencyP50Ms,
            },
          }),
        ],
      };
    } finally {
      clearInterval(sampler);
      await active.close();
      await receiver.close();
      await stack.stop();
    }
  },
};
