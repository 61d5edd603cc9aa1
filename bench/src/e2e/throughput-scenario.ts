import { makeFigure, type Figure } from '../core/figures';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_PROFILES, type BenchAlgorithm } from '../stack/fleet-config';
import { startFleetStack, type StoreKind } from '../stack/fleet-stack';
import { FleetSignApi } from '@fleetsign/api';
import { sizeTag, sizeText, webhookTimeoutMs } from './image-size';
import { jobTimeBreakdown, readJobRecords } from './job-records';
import { E2E_LIMIT_SCENARIOS, e2eLimit } from './limits-for';
import { assertAllSucceeded, jobStats, runSingleJobs } from './single-jobs';
import { coresUsed, cpuMsPerImage, cpuSnapshot } from './stack-usage';
import { allocateSeeds, stageImages } from './stage-images';
import { startWebhookReceiver } from './webhook-receiver';

/** One end-to-end measurement with single jobs. */
export interface ThroughputSpec {
  algorithm: BenchAlgorithm;
  store: StoreKind;
  imageBytes: number;
  count: number;
  quickCount: number;
}

/** Requests in flight at once when submitting many single jobs. */
export const SUBMIT_CONCURRENCY = 32;

async function measureThroughput(ctx: BenchContext, spec: ThroughputSpec, name: string): Promise<Figure[]> {
  const count = ctx.quick ? spec.quickCount : spec.count;
  const profile = BENCH_PROFILES[spec.algorithm].name;
  const stack = await startFleetStack(ctx, { name, store: spec.store });
  const receiver = await startWebhookReceiver(stack.webhookSecret);
  try {
    const images = await stageImages(stack.store, {
      name,
      count,
      bytes: spec.imageBytes,
      firstSeed: allocateSeeds(count),
    });
    progress(`  staged ${count} x ${sizeText(spec.imageBytes)}; submitting single jobs`);
    const client = new FleetSignApi({ baseUrl: stack.gatewayUrl, apiKey: stack.apiToken });
    const cpuBefore = await cpuSnapshot(stack);
    const jobs = await runSingleJobs(client, receiver, images, {
      profile,
      httpConcurrency: SUBMIT_CONCURRENCY,
      timeoutMs: webhookTimeoutMs(count, spec.imageBytes),
    });
    const cpuAfter = await cpuSnapshot(stack);
    const cores = coresUsed(cpuBefore, cpuAfter);
    const cpuPerImage = cpuMsPerImage(cpuBefore, cpuAfter, count);
    assertAllSucceeded(jobs, name);
    const stats = jobStats(jobs);
    const breakdown = jobTimeBreakdown(
      await readJobRecords(
        stack,
        jobs.map((job) => job.jobId),
      ),
    );
    progress(
      `  ${stats.wallRate.toFixed(1)} images/s (${stats.steadyRate.toFixed(1)} after warm-up); ` +
        `latency p50 ${stats.latencyP50Ms.toFixed(0)} ms; jobs in progress ${breakdown.averageInProgress} (peak ${breakdown.peakInProgress}); ` +
        `cores ${Object.entries(cores)
          .map(([app, used]) => `${app} ${used}`)
          .join(', ')}`,
    );
    return [
      makeFigure({
        id: `e2e.single.${spec.algorithm}.${spec.store}.${sizeTag(spec.imageBytes)}.images_per_s`,
        label: `single jobs end to end, ${spec.algorithm}, ${spec.store} store, ${count.toLocaleString('en-US')} x ${sizeText(spec.imageBytes)}`,
        unit: 'images/s',
        value: stats.wallRate,
        limit: e2eLimit(ctx, spec.algorithm, spec.imageBytes),
        details: {
          submission: `single jobs (POST /v1/jobs, ${SUBMIT_CONCURRENCY} requests in flight), first request to last webhook`,
          ...stats,
          jobTimes: breakdown,
          coresUsed: cores,
          cpuMsPerImage: cpuPerImage,
          signerPeakRssMb: (await stack.signer.stats()).peakRss / 1e6,
        },
        breakdown:
          `CPU ms/image: signer ${cpuPerImage.signer}, gateway ${cpuPerImage.gateway}, redis ${cpuPerImage.redis ?? '?'}, ` +
          `notifier ${cpuPerImage.notifier}, bench ${cpuPerImage.bench} (cores: stack ${cores.total}, others ${cores.others ?? '?'}); ` +
          `jobs in progress ${breakdown.averageInProgress} (peak ${breakdown.peakInProgress}), job ${breakdown.workerMeanMs} ms ` +
          `(fetch ${breakdown.pipelineMeanMs.fetch}, sign ${breakdown.pipelineMeanMs.sign}, store ${breakdown.pipelineMeanMs.store}, other ${breakdown.pipelineMeanMs.other})`,
      }),
    ];
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

/** An end-to-end scenario with single jobs: N images submitted at once, timed until the last webhook. */
export function throughputScenario(spec: ThroughputSpec): Scenario {
  const name = `e2e-single-${spec.algorithm}-${spec.store}-${sizeTag(spec.imageBytes)}`;
  return {
    name,
    title: `end to end: ${spec.count.toLocaleString('en-US')} (quick ${spec.quickCount}) single jobs x ${sizeText(spec.imageBytes)}, ${spec.algorithm}, ${spec.store} store`,
    needs: E2E_LIMIT_SCENARIOS,
    run: async (ctx) => ({ figures: await measureThroughput(ctx, spec, name) }),
  };
}
