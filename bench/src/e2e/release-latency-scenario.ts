import { makeFigure } from '../core/figures';
import { nowMs, quantile } from '../core/measure';
import { progress } from '../core/progress';
import type { BenchContext, Scenario } from '../core/scenario';
import { BENCH_PROFILES } from '../stack/fleet-config';
import { startFleetStack } from '../stack/fleet-stack';
import { runBatch, type BatchRun } from './batch-run';
import { FleetSignApi } from '@fleetsign/api';
import { webhookTimeoutMs } from './image-size';
import { readJobRecords } from './job-records';
import { allocateSeeds, stageImages, type StagedImage } from './stage-images';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** Id of the release-job p99 figure measured during a batch (the target's figure). */
export const RELEASE_P99_DURING_BATCH_ID = 'e2e.release.p99_during_batch_s';

const IMAGE_BYTES = 64 * 1024;
/** Time between two release job submissions while the batch runs. */
const PROBE_INTERVAL_MS = 100;
const PROFILE = BENCH_PROFILES['ecdsa-p256'].name;

/** One release job: when it was sent (both clocks) and its id. */
interface Probe {
  jobId: string;
  sentAt: number;
  sentAtEpochMs: number;
}

/**
 * Sends one release job (POST /v1/jobs) every PROBE_INTERVAL_MS, without waiting for the
 * previous one to finish, until the batch has finished or the images run out.
 */
async function sendProbes(
  client: FleetSignApi,
  receiver: WebhookReceiver,
  images: readonly StagedImage[],
  batchDone: () => boolean,
): Promise<Probe[]> {
  const probes: Array<Promise<Probe>> = [];
  for (const image of images) {
    if (batchDone()) break;
    const sentAtEpochMs = Date.now();
    const sentAt = nowMs();
    const probe = client
      .createJob({
        profile: PROFILE,
        source: { key: image.key, sha256: image.sha256 },
        webhook: { url: receiver.url },
        metadata: { kind: 'release' },
      })
      .then(({ id: jobId }) => ({ jobId, sentAt, sentAtEpochMs }));
    // Awaited below with the others; until then a refusal must not count as unhandled.
    probe.catch(() => undefined);
    probes.push(probe);
    // Pacing of the release stream, not synchronisation: releases arrive at a steady rate.
    await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
  }
  return Promise.all(probes);
}

/** Each probe's submit-to-succeeded (gateway's finishedAt) and submit-to-webhook, in ms. */
async function probeLatencies(client: FleetSignApi, receiver: WebhookReceiver, probes: readonly Probe[]) {
  const succeeded: number[] = [];
  const webhook: number[] = [];
  for (const probe of probes) {
    const job = await client.getJob(probe.jobId);
    if (job.state !== 'succeeded' || !job.finishedAt)
      throw new Error(`release job ${probe.jobId} is ${job.state} (${job.error?.code ?? 'no error code'})`);
    if (job.result?.reused) throw new Error(`release job ${probe.jobId} reused an earlier signature`);
    succeeded.push(Date.parse(job.finishedAt) - probe.sentAtEpochMs);
    webhook.push(receiver.events.get(probe.jobId)!.receivedAt - probe.sentAt);
  }
  return { succeeded, webhook };
}

async function measureReleaseLatency(ctx: BenchContext, batchCount: number, probeCount: number) {
  const name = 'e2e-release-latency';
  const stack = await startFleetStack(ctx, { name, store: 'fs' });
  const receiver = await startWebhookReceiver(stack.webhookSecret);
  try {
    const batchImages = await stageImages(stack.store, {
      name: `${name}-batch`,
      count: batchCount,
      bytes: IMAGE_BYTES,
      firstSeed: allocateSeeds(batchCount),
    });
    const releaseImages = await stageImages(stack.store, {
      name: `${name}-release`,
      count: probeCount,
      bytes: IMAGE_BYTES,
      firstSeed: allocateSeeds(probeCount),
    });
    progress(
      `  staged ${batchCount} batch and ${probeCount} release images; one release job every ${PROBE_INTERVAL_MS} ms while the batch runs`,
    );
    const client = new FleetSignApi({ baseUrl: stack.gatewayUrl, apiKey: stack.apiToken });
    let accepted!: (batchId: string) => void;
    const batchAccepted = new Promise<string>((resolve) => (accepted = resolve));
    let batchFinished = false;
    const batch = runBatch(client, receiver, batchImages, {
      profile: PROFILE,
      timeoutMs: webhookTimeoutMs(batchCount, IMAGE_BYTES),
      onAccepted: accepted,
    }).finally(() => (batchFinished = true));
    // A failed batch must not leave the probes waiting for an acceptance that never comes.
    const batchId = await Promise.race([batchAccepted, batch.then((run: BatchRun) => run.batchId)]);
    const probes = await sendProbes(
      client,
      receiver,
      releaseImages,
      () => batchFinished || receiver.events.has(batchId),
    );
    const run = await batch;
    await receiver.waitForJobs(
      probes.map((probe) => probe.jobId),
      webhookTimeoutMs(probeCount, IMAGE_BYTES),
    );
    const latencies = await probeLatencies(client, receiver, probes);
    const records = await readJobRecords(
      stack,
      probes.map((probe) => probe.jobId),
    );
    const waits = records.filter((r) => r.processedOn).map((r) => r.processedOn! - r.addedAt);
    const pipeline = records.filter((r) => r.timings).map((r) => r.timings!.totalMs);
    return { run, latencies, waits, pipeline };
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/**
 * Latency of release jobs (single POST /v1/jobs, one every 100 ms) sent while a
 * 2,000-item batch of 64 KiB images runs on the same signer: submit to succeeded (the
 * job's finishedAt) and submit to its webhook. Release jobs are queued ahead of batch
 * items, so they wait only for a free worker slot.
 */
export const releaseLatencyScenario: Scenario = {
  name: 'e2e-release-latency',
  title: 'release-job latency during a 2,000-item batch (one job every 100 ms)',
  async run(ctx) {
    const batchCount = ctx.quick ? 300 : 2_000;
    const probeCount = ctx.quick ? 60 : 200;
    const measured = await measureReleaseLatency(ctx, batchCount, probeCount);
    const { succeeded, webhook } = measured.latencies;
    if (succeeded.length === 0) throw new Error('the batch finished before any release job was sent');
    const p50 = seconds(quantile(succeeded, 0.5));
    const p99 = seconds(quantile(succeeded, 0.99));
    const webhookP99 = seconds(quantile(webhook, 0.99));
    progress(
      `  release jobs: ${succeeded.length} during a ${measured.run.items}-item batch (${measured.run.imagesPerSecond.toFixed(1)} images/s); ` +
        `submit to succeeded p50 ${p50} s, p99 ${p99} s; to webhook p99 ${webhookP99} s`,
    );
    const details = {
      releaseJobs: succeeded.length,
      probeIntervalMs: PROBE_INTERVAL_MS,
      profile: PROFILE,
      batch: {
        batchId: measured.run.batchId,
        items: measured.run.items,
        seconds: measured.run.seconds,
        imagesPerSecond: measured.run.imagesPerSecond,
      },
      submitToSucceededMs: {
        p50: quantile(succeeded, 0.5),
        p99: quantile(succeeded, 0.99),
        max: Math.max(...succeeded),
      },
      submitToWebhookMs: {
        p50: quantile(webhook, 0.5),
        p99: quantile(webhook, 0.99),
        max: Math.max(...webhook),
      },
      queueWaitMs: { p50: quantile(measured.waits, 0.5), p99: quantile(measured.waits, 0.99) },
      pipelineMs: { p50: quantile(measured.pipeline, 0.5), p99: quantile(measured.pipeline, 0.99) },
    };
    const during = `during a ${measured.run.items.toLocaleString('en-US')}-item batch`;
    return {
      figures: [
        makeFigure({
          id: 'e2e.release.p50_during_batch_s',
          label: `release job submit to succeeded, p50, ${during}`,
          unit: 's',
          value: p50,
          details,
        }),
        makeFigure({
          id: RELEASE_P99_DURING_BATCH_ID,
          label: `release job submit to succeeded, p99, ${during}`,
          unit: 's',
          value: p99,
          target: { kind: 'below', max: 1 },
          details,
          breakdown:
            `${succeeded.length} release jobs; queue wait (added to taken) p50 ${details.queueWaitMs.p50} ms, p99 ${details.queueWaitMs.p99} ms; ` +
            `signer pipeline p50 ${details.pipelineMs.p50} ms, p99 ${details.pipelineMs.p99} ms; ` +
            `the rest is the gateway, Redis and BullMQ bookkeeping (submit to succeeded p50 ${details.submitToSucceededMs.p50} ms)`,
        }),
        makeFigure({
          id: 'e2e.release.webhook_p99_during_batch_s',
          label: `release job submit to webhook, p99, ${during}`,
          unit: 's',
          value: webhookP99,
          details,
        }),
      ],
    };
  },
};
