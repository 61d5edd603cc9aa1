import { makeFigure, type Figure, type TargetRule } from '../core/figures';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_PROFILES, type BenchAlgorithm } from '../stack/fleet-config';
import { startFleetStack, type StoreKind } from '../stack/fleet-stack';
import { GatewayClient } from './gateway-client';
import { E2E_LIMIT_SCENARIOS, e2eLimit } from './limits-for';
import { assertAllSucceeded, jobStats, runSingleJobs } from './single-jobs';
import { allocateSeeds, stageImages } from './stage-images';
import { coresUsed, cpuSnapshot, signerStepMeans } from './stack-usage';
import { startWebhookReceiver } from './webhook-receiver';

/** One end-to-end throughput measurement. */
export interface ThroughputSpec {
  algorithm: BenchAlgorithm;
  store: StoreKind;
  imageBytes: number;
  count: number;
  quickCount: number;
  target?: TargetRule;
}

/** Requests in flight at once when submitting many single jobs. */
export const SUBMIT_CONCURRENCY = 32;

/** '64k', '1m', '16m': short size tag for names and ids. */
export function sizeTag(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)}m` : `${bytes / 1024}k`;
}

/** '64 KiB', '1 MiB'. */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/** Bound of a wait for webhooks: generous, so only a stuck pipeline hits it. */
export function webhookTimeoutMs(count: number, imageBytes: number): number {
  return 60_000 + count * (imageBytes > 1024 * 1024 ? 1_000 : 100);
}

async function measureThroughput(ctx: BenchContext, spec: ThroughputSpec, name: string): Promise<Figure[]> {
  const count = ctx.quick ? spec.quickCount : spec.count;
  const profile = BENCH_PROFILES[spec.algorithm].name;
  const stack = await startFleetStack(ctx, { name, store: spec.store });
  const receiver = await startWebhookReceiver();
  try {
    const images = await stageImages(stack.store, {
      name,
      count,
      bytes: spec.imageBytes,
      firstSeed: allocateSeeds(count),
    });
    progress(`  staged ${count} x ${sizeText(spec.imageBytes)}; submitting`);
    const client = new GatewayClient(stack.gatewayUrl, stack.apiToken);
    const cpuBefore = await cpuSnapshot(stack);
    const jobs = await runSingleJobs(client, receiver, images, {
      profile,
      httpConcurrency: SUBMIT_CONCURRENCY,
      timeoutMs: webhookTimeoutMs(count, spec.imageBytes),
    });
    const cores = coresUsed(cpuBefore, await cpuSnapshot(stack));
    assertAllSucceeded(jobs, name);
    const stats = jobStats(jobs);
    const memory = await stack.signer.stats();
    const signerStepsMs = await signerStepMeans(stack);
    progress(
      `  ${stats.steadyRate.toFixed(1)} images/s steady, ${stats.wallRate.toFixed(1)} overall; ` +
        `latency p50 ${stats.latencyP50Ms.toFixed(0)} ms; signer peak RSS ${(memory.peakRss / 1e6).toFixed(0)} MB; ` +
        `cores ${Object.entries(cores)
          .map(([app, used]) => `${app} ${used}`)
          .join(', ')}`,
    );
    const base = `e2e.${spec.algorithm}.${spec.store}.${sizeTag(spec.imageBytes)}`;
    const what = `${spec.algorithm}, ${spec.store} store, ${count} x ${sizeText(spec.imageBytes)}`;
    return [
      makeFigure({
        id: `${base}.images_per_s`,
        label: `end to end, ${what} (single jobs)`,
        unit: 'images/s',
        value: stats.steadyRate,
        limit: e2eLimit(ctx, spec.algorithm, spec.imageBytes),
        target: spec.target,
        details: {
          ...stats,
          submitConcurrency: SUBMIT_CONCURRENCY,
          submission: 'single jobs (POST /v1/jobs)',
          signerConcurrency: ctx.signerConfig.concurrency,
          coresUsed: cores,
          signerStepsMeanMs: signerStepsMs,
        },
      }),
      makeFigure({
        id: `${base}.signer_peak_rss_mb`,
        label: `signer peak RSS, ${what}`,
        unit: 'MB',
        value: memory.peakRss / 1e6,
        details: { source: 'VmHWM of the signer process', rssAtEndMb: memory.rss / 1e6 },
      }),
    ];
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

/** An end-to-end scenario: N images of one size and profile submitted at once, timed until the last webhook. */
export function throughputScenario(spec: ThroughputSpec): Scenario {
  const name = `e2e-${spec.algorithm}-${spec.store}-${sizeTag(spec.imageBytes)}`;
  return {
    name,
    title: `end to end: ${sizeText(spec.imageBytes)} images (${spec.count}, quick ${spec.quickCount}), ${spec.algorithm}, ${spec.store} store`,
    needs: E2E_LIMIT_SCENARIOS,
    run: async (ctx) => ({ figures: await measureThroughput(ctx, spec, name) }),
  };
}
