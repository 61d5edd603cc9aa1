import { makeFigure } from '../core/figures';
import { nowMs, quantile } from '../core/measure';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_PROFILES } from '../stack/fleet-config';
import { startFleetStack, type FleetStack } from '../stack/fleet-stack';
import { GatewayClient } from './gateway-client';
import { assertAllSucceeded, runSingleJobs } from './single-jobs';
import { allocateSeeds, stageImages, type StagedImage } from './stage-images';
import { SUBMIT_CONCURRENCY, webhookTimeoutMs } from './throughput-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** Id of the release-job p99 figure measured during a batch (the target's figure). */
export const RELEASE_P99_DURING_BATCH_ID = 'e2e.release.p99_during_batch_s';

const IMAGE_BYTES = 64 * 1024;
/** Time between two release jobs while the background load runs. */
const PROBE_INTERVAL_MS = 250;

/** A bulk load to run in the background; calls `started` once it is under way. */
export interface BackgroundLoad {
  /** Describes the load in figure labels, e.g. '2,000 single jobs'. */
  label: string;
  run(args: {
    stack: FleetStack;
    client: GatewayClient;
    receiver: WebhookReceiver;
    images: readonly StagedImage[];
    started: () => void;
  }): Promise<void>;
}

/** Background load made of single jobs (POST /v1/jobs), all submitted at once. */
export function singleJobsLoad(count: number): BackgroundLoad {
  return {
    label: `${count.toLocaleString('en-US')} single jobs`,
    async run({ client, receiver, images, started }) {
      const firstTenth = Math.max(1, Math.floor(images.length / 10));
      const jobs = await runSingleJobs(client, receiver, images, {
        profile: BENCH_PROFILES['ecdsa-p256'].name,
        httpConcurrency: SUBMIT_CONCURRENCY,
        timeoutMs: webhookTimeoutMs(images.length, IMAGE_BYTES),
        onAccepted: (accepted) => {
          if (accepted === firstTenth) started();
        },
      });
      assertAllSucceeded(jobs, 'background load');
    },
  };
}

/** Submits one release job every PROBE_INTERVAL_MS until `stop` resolves; returns each submit-to-webhook latency in ms. */
async function probeReleaseJobs(
  client: GatewayClient,
  receiver: WebhookReceiver,
  images: readonly StagedImage[],
  stop: Promise<void>,
  timeoutMs: number,
): Promise<number[]> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  const probes: Array<Promise<number>> = [];
  for (const image of images) {
    if (stopped) break;
    probes.push(
      (async () => {
        const submittedAt = nowMs();
        const jobId = await client.submitJob({
          profile: BENCH_PROFILES['ecdsa-p256'].name,
          source: { key: image.key, sha256: image.sha256 },
          webhook: { url: receiver.url },
          metadata: { kind: 'release' },
        });
        await receiver.waitForJobs([jobId], timeoutMs);
        const event = receiver.events.get(jobId)!;
        if (event.state !== 'succeeded')
          throw new Error(`release job ${jobId} failed (${event.errorCode ?? 'unknown'})`);
        return event.receivedAt - submittedAt;
      })(),
    );
    // Pacing of the probe stream, not synchronisation: probes arrive at a steady rate like real releases.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS)), stop]);
  }
  return Promise.all(probes);
}

async function measureReleaseLatency(
  ctx: BenchContext,
  load: BackgroundLoad,
  backgroundCount: number,
  name: string,
) {
  const probeCount = ctx.quick ? 20 : 80;
  const stack = await startFleetStack(ctx, { name, store: 'fs' });
  const receiver = await startWebhookReceiver();
  try {
    const background = await stageImages(stack.store, {
      name: `${name}-bulk`,
      count: backgroundCount,
      bytes: IMAGE_BYTES,
      firstSeed: allocateSeeds(backgroundCount),
    });
    const releases = await stageImages(stack.store, {
      name: `${name}-release`,
      count: probeCount,
      bytes: IMAGE_BYTES,
      firstSeed: allocateSeeds(probeCount),
    });
    progress(
      `  staged ${backgroundCount} background and ${probeCount} release images; running ${load.label} with release jobs every ${PROBE_INTERVAL_MS} ms`,
    );
    const client = new GatewayClient(stack.gatewayUrl, stack.apiToken);
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const loadDone = load.run({ stack, client, receiver, images: background, started: markStarted });
    // A failed load must not leave the probes waiting for a start that never comes.
    await Promise.race([started, loadDone]);
    const loadEnded = loadDone.then(
      () => undefined,
      () => undefined,
    );
    const latencies = await probeReleaseJobs(
      client,
      receiver,
      releases,
      loadEnded,
      webhookTimeoutMs(backgroundCount, IMAGE_BYTES),
    );
    await loadDone;
    const p50 = quantile(latencies, 0.5) / 1000;
    const p99 = quantile(latencies, 0.99) / 1000;
    progress(`  release jobs: ${latencies.length}, p50 ${p50.toFixed(2)} s, p99 ${p99.toFixed(2)} s`);
    return { latencies, p50, p99, max: Math.max(...latencies) / 1000 };
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

/**
 * Latency of single release jobs (submit to webhook) submitted at a steady rate while a
 * 2,000-image bulk load runs. Until the gateway has POST /v1/batches the bulk load is
 * 2,000 single jobs, which share the release jobs' queue and priority; the figure with
 * the target (during a batch) is then reported as not measured.
 */
export const releaseLatencyScenario: Scenario = {
  name: 'e2e-release-latency',
  title: 'release-job latency while 2,000 images are signed in bulk',
  async run(ctx) {
    const count = ctx.quick ? 300 : 2_000;
    const load = singleJobsLoad(count);
    const measured = await measureReleaseLatency(ctx, load, count, 'e2e-release-latency');
    const details = {
      probes: measured.latencies.length,
      probeIntervalMs: PROBE_INTERVAL_MS,
      p50Seconds: measured.p50,
      maxSeconds: measured.max,
      background: load.label,
    };
    return {
      figures: [
        makeFigure({
          id: 'e2e.release.p50_during_single_jobs_s',
          label: `release-job latency p50 during ${load.label}`,
          unit: 's',
          value: measured.p50,
          details,
        }),
        makeFigure({
          id: 'e2e.release.p99_during_single_jobs_s',
          label: `release-job latency p99 during ${load.label}`,
          unit: 's',
          value: measured.p99,
          details,
        }),
      ],
      missing: [
        {
          id: RELEASE_P99_DURING_BATCH_ID,
          label: 'release-job p99 during a 2,000-item batch (target < 1 s)',
          reason: 'needs POST /v1/batches, which the gateway does not have yet',
        },
      ],
    };
  },
};
