import { SIGNER_ENV } from '@fleetsign/config';
import { progress } from '../core/progress';
import type { BenchContext } from '../core/scenario';
import { BENCH_PROFILES, type BenchAlgorithm } from '../stack/fleet-config';
import { startFleetStack, type StoreKind } from '../stack/fleet-stack';
import { runBatch, type BatchRun } from './batch-run';
import { FleetSignApi } from '@fleetsign/api';
import { jobTimeBreakdown, readJobRecords, type JobTimeBreakdown } from './job-records';
import { assertSignedOnce, countLogEntries, type SignedOnceCheck } from './signed-once-check';
import {
  coresUsed,
  cpuMsPerImage,
  cpuSnapshot,
  readSignerCounters,
  stepMeansMs,
  stepMsPerImage,
} from './stack-usage';
import { allocateSeeds, stageImages } from './stage-images';
import { sizeText, webhookTimeoutMs } from './image-size';
import { startWebhookReceiver } from './webhook-receiver';

/** One batch to measure on a fresh stack. */
export interface BatchSetup {
  /** Names the stack folder, queue prefix and staged keys. */
  name: string;
  algorithm: BenchAlgorithm;
  store: StoreKind;
  imageBytes: number;
  count: number;
  /** Signer processes (default 1). */
  signers?: number;
  /** PKCS#11 sessions per signer process (default: the signer's default or FLEETSIGN_PKCS11_SESSIONS). */
  sessions?: number;
  /** Jobs per signer process at once (default: the signer's own default or FLEETSIGN_SIGNER_CONCURRENCY). */
  concurrency?: number;
  /** False: the log signs no checkpoints (and the manifest carries no proofs); default true. */
  checkpoints?: boolean;
}

/** What one batch measured, and where the time went. */
export interface BatchMeasurement {
  run: BatchRun;
  signers: number;
  sessions: number;
  /** Jobs per signer process as set for this run; undefined when the signer chose. */
  concurrency?: number;
  jobs: JobTimeBreakdown;
  signedOnce: SignedOnceCheck;
  /** Average cores each process used from POST to webhook. */
  coresUsed: Record<string, number>;
  /** CPU ms each process spent per image from POST to webhook (/proc). */
  cpuMsPerImage: Record<string, number>;
  /** Mean ms per observation of each signer step (the signers' step histogram). */
  stepMeanMs: Record<string, number>;
  /** Signer step time per image in ms, summed over the jobs' steps. */
  stepMsPerImage: Record<string, number>;
  /** Largest VmHWM of the signer processes, in MB. */
  signerPeakRssMb: number;
}

function signerEnv(setup: BatchSetup): Record<string, string> {
  return {
    ...(setup.sessions ? { [SIGNER_ENV.pkcs11Sessions]: String(setup.sessions) } : {}),
    ...(setup.concurrency ? { [SIGNER_ENV.concurrency]: String(setup.concurrency) } : {}),
  };
}

function formatParts(parts: Record<string, number>): string {
  return Object.entries(parts)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
}

/**
 * Stages `count` images (before the clock), then runs them as one batch through a
 * fresh stack (gateway, `signers` signer processes, notifier) and times POST
 * /v1/batches to the verified `batch.completed` webhook. Afterwards it checks that each
 * image was signed exactly once and reads where the time went: the jobs' per-step
 * timings from BullMQ, the signers' step histograms and each process's CPU time.
 */
export async function measureBatch(ctx: BenchContext, setup: BatchSetup): Promise<BatchMeasurement> {
  const signers = setup.signers ?? 1;
  const sessions = setup.sessions ?? ctx.signerConfig.pkcs11Sessions;
  const concurrency = setup.concurrency;
  const stack = await startFleetStack(ctx, {
    name: setup.name,
    store: setup.store,
    signers,
    signerEnv: signerEnv(setup),
    ...(setup.checkpoints === false ? { checkpoints: false } : {}),
  });
  const receiver = await startWebhookReceiver(stack.webhookSecret);
  try {
    const images = await stageImages(stack.store, {
      name: setup.name,
      count: setup.count,
      bytes: setup.imageBytes,
      firstSeed: allocateSeeds(setup.count),
    });
    progress(
      `  staged ${setup.count} x ${sizeText(setup.imageBytes)}; batch on ${signers} signer(s) x ${concurrency ?? 'default'} jobs, ${sessions} sessions each`,
    );
    const client = new FleetSignApi({ baseUrl: stack.gatewayUrl, apiKey: stack.apiToken });
    const countersBefore = await readSignerCounters(stack);
    const cpuBefore = await cpuSnapshot(stack);
    const run = await runBatch(client, receiver, images, {
      profile: BENCH_PROFILES[setup.algorithm].name,
      timeoutMs: webhookTimeoutMs(setup.count, setup.imageBytes),
    });
    const cpuAfter = await cpuSnapshot(stack);
    const cores = coresUsed(cpuBefore, cpuAfter);
    const countersAfter = await readSignerCounters(stack);
    const records = await readJobRecords(stack, run.jobIds);
    const jobs = jobTimeBreakdown(records);
    const signedOnce: SignedOnceCheck = {
      items: run.items,
      logEntries: await countLogEntries(stack.store, run.jobIds),
      ...(countersAfter.unreadable === 0
        ? { signings: countersAfter.signings - countersBefore.signings }
        : {}),
    };
    assertSignedOnce(signedOnce, setup.name);
    const peaks = await Promise.all(stack.signers.map((signer) => signer.stats()));
    const measurement: BatchMeasurement = {
      run,
      signers,
      sessions,
      ...(concurrency ? { concurrency } : {}),
      jobs,
      signedOnce,
      coresUsed: cores,
      cpuMsPerImage: cpuMsPerImage(cpuBefore, cpuAfter, run.items),
      stepMeanMs: stepMeansMs(countersBefore, countersAfter),
      stepMsPerImage: stepMsPerImage(countersBefore, countersAfter, run.items),
      signerPeakRssMb: Math.max(...peaks.map((stats) => stats.peakRss)) / 1e6,
    };
    progress(
      `  ${run.imagesPerSecond.toFixed(1)} images/s (${run.items} in ${run.seconds.toFixed(2)} s, POST ${run.postSeconds.toFixed(2)} s); ` +
        `job ms: ${formatParts(jobs.pipelineMeanMs)}; jobs in progress ${jobs.averageInProgress} (peak ${jobs.peakInProgress}); ` +
        `cores ${formatParts(cores)}; signed once: ${signedOnce.logEntries} log entries, ${signedOnce.signings ?? '?'} signatures`,
    );
    return measurement;
  } finally {
    await receiver.close();
    await stack.stop();
  }
}

/**
 * One line on where the time went: CPU per image by process (/proc), how busy the
 * jobs ran at once, and the signer's step time per image (wall time, jobs overlapping).
 */
export function batchBreakdown(measurement: BatchMeasurement): string {
  const cpu = Object.entries(measurement.cpuMsPerImage)
    .filter(([name, ms]) => name !== 'total' && ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
  const steps = Object.entries(measurement.stepMsPerImage)
    .filter(([, ms]) => ms >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([step, ms]) => `${step} ${ms.toFixed(1)}`)
    .join(', ');
  const { jobs } = measurement;
  return (
    `CPU ms/image: ${cpu} (cores: stack ${measurement.coresUsed.total}, others ${measurement.coresUsed.others ?? '?'}, iowait ${measurement.coresUsed.iowait ?? '?'}); ` +
    `${measurement.signers} signer(s), jobs in progress ${jobs.averageInProgress} (peak ${jobs.peakInProgress}), ` +
    `job ${jobs.workerMeanMs} ms of which signer steps ms: ${steps}`
  );
}

/** The details a figure keeps of a batch measurement. */
export function batchDetails(measurement: BatchMeasurement): Record<string, unknown> {
  const { run } = measurement;
  return {
    submission: 'one batch (POST /v1/batches), timed to its batch.completed webhook',
    batchId: run.batchId,
    items: run.items,
    seconds: run.seconds,
    postSeconds: run.postSeconds,
    ...(run.manifestSeconds !== undefined ? { manifestSeconds: run.manifestSeconds } : {}),
    signerProcesses: measurement.signers,
    signerConcurrency: measurement.concurrency ?? 'signer default',
    peakJobsInProgress: measurement.jobs.peakInProgress,
    pkcs11SessionsPerSigner: measurement.sessions,
    signedOnce: measurement.signedOnce,
    jobTimes: measurement.jobs,
    signerStepMeanMs: measurement.stepMeanMs,
    signerStepMsPerImage: measurement.stepMsPerImage,
    coresUsed: measurement.coresUsed,
    cpuMsPerImage: measurement.cpuMsPerImage,
    signerPeakRssMb: measurement.signerPeakRssMb,
  };
}
