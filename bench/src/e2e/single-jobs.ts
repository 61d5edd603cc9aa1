import { nowMs, quantile, runPool } from '../core/measure';
import type { FleetSignApi } from '@fleetsign/api';
import type { StagedImage } from './stage-images';
import type { WebhookReceiver } from './webhook-receiver';

/** One job from request to webhook, times from nowMs(). */
export interface JobTiming {
  jobId: string;
  submittedAt: number;
  /** When the gateway answered 202. */
  acceptedAt: number;
  /** When the job's webhook arrived. */
  completedAt: number;
  succeeded: boolean;
  errorCode?: string;
}

/** How to submit a set of single jobs. */
export interface SingleJobsOptions {
  profile: string;
  /** Requests in flight at once. */
  httpConcurrency: number;
  /** Longest wait for the last webhook after the last submission. */
  timeoutMs: number;
  /** Called with each job once accepted (e.g. to start probes once the load is under way). */
  onAccepted?: (accepted: number) => void;
}

/**
 * Submits one POST /v1/jobs per image (at most `httpConcurrency` at once), each with
 * the receiver's webhook URL, and resolves with every job's timings once the webhook
 * of each has arrived.
 */
export async function runSingleJobs(
  client: FleetSignApi,
  receiver: WebhookReceiver,
  images: readonly StagedImage[],
  options: SingleJobsOptions,
): Promise<JobTiming[]> {
  const submitted: Array<{ jobId: string; submittedAt: number; acceptedAt: number }> = new Array(
    images.length,
  );
  let accepted = 0;
  await runPool(images.length, options.httpConcurrency, async (index) => {
    const image = images[index];
    const submittedAt = nowMs();
    const { id: jobId } = await client.createJob({
      profile: options.profile,
      source: { key: image.key, sha256: image.sha256 },
      webhook: { url: receiver.url },
    });
    submitted[index] = { jobId, submittedAt, acceptedAt: nowMs() };
    options.onAccepted?.(++accepted);
  });
  await receiver.waitForJobs(
    submitted.map((job) => job.jobId),
    options.timeoutMs,
  );
  return submitted.map((job) => {
    const event = receiver.events.get(job.jobId)!;
    return {
      ...job,
      completedAt: event.receivedAt,
      succeeded: event.state === 'succeeded',
      errorCode: event.errorCode,
    };
  });
}

/** Throughput and latency of a set of jobs. */
export interface JobStats {
  jobs: number;
  failed: number;
  /** Completions per second after the first `warmupShare` of completions. */
  steadyRate: number;
  /** Jobs / (last webhook - first submission). */
  wallRate: number;
  wallSeconds: number;
  warmupJobs: number;
  /** Submission (request sent) to webhook received, in ms. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Time to submit every job, in seconds. */
  submitSeconds: number;
}

/** Summarises job timings; completions in the first `warmupShare` (default 10%) are warm-up. */
export function jobStats(jobs: readonly JobTiming[], warmupShare = 0.1): JobStats {
  const completions = jobs.map((job) => job.completedAt).sort((a, b) => a - b);
  const firstSubmit = Math.min(...jobs.map((job) => job.submittedAt));
  const lastAccept = Math.max(...jobs.map((job) => job.acceptedAt));
  const last = completions[completions.length - 1];
  const warmupJobs = Math.floor(jobs.length * warmupShare);
  const steadyFrom = warmupJobs > 0 ? completions[warmupJobs - 1] : firstSubmit;
  const latencies = jobs.map((job) => job.completedAt - job.submittedAt);
  return {
    jobs: jobs.length,
    failed: jobs.filter((job) => !job.succeeded).length,
    steadyRate: (jobs.length - warmupJobs) / ((last - steadyFrom) / 1000),
    wallRate: jobs.length / ((last - firstSubmit) / 1000),
    wallSeconds: (last - firstSubmit) / 1000,
    warmupJobs,
    latencyP50Ms: quantile(latencies, 0.5),
    latencyP99Ms: quantile(latencies, 0.99),
    latencyMaxMs: Math.max(...latencies),
    submitSeconds: (lastAccept - firstSubmit) / 1000,
  };
}

/** Throws when any job failed, naming the error codes seen. */
export function assertAllSucceeded(jobs: readonly JobTiming[], what: string): void {
  const failed = jobs.filter((job) => !job.succeeded);
  if (failed.length === 0) return;
  const codes = [...new Set(failed.map((job) => job.errorCode ?? 'unknown'))].join(', ');
  throw new Error(`${what}: ${failed.length} of ${jobs.length} jobs failed (${codes})`);
}
