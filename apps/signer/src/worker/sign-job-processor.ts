import { performance } from 'node:perf_hooks';
import type { FleetSignProcessor, QueueName, RetryPolicy, SignJobResult } from '@fleetsign/queue';
import { SpanKind, parentContextOf, tracingEnabled, withSpan } from '@fleetsign/observability';
import type { Logger } from 'pino';
import { type BatchAccounting, failedOutcome, succeededOutcome } from '../batch/batch-accounting';
import type { ProfileKeyRegistry } from '../keys/profile-key-registry';
import type { WebhookEnqueuer } from '../notify/webhook-enqueuer';
import type { SignerMetrics } from '../observability/signer-metrics';
import type { SignPipeline } from '../pipeline/sign-pipeline';
import { checkApprovalReleased } from '../policy/approval-gate';
import { classifyJobError, isLastAttempt, jobError } from './job-failure';

/** What the sign job processor needs. */
export interface SignJobProcessorDeps {
  pipeline: Pick<SignPipeline, 'run'>;
  webhooks: Pick<WebhookEnqueuer, 'jobSucceeded' | 'jobFailed'>;
  metrics: SignerMetrics;
  logger: Logger;
  /** Told how each signing with a profile's keys ended, so a key fault shows in readiness and metrics. */
  profiles?: Pick<ProfileKeyRegistry, 'reportSigning'>;
  /** How long transient failures are retried. */
  retry: RetryPolicy;
  /** Counts batch items as they become final; without it batch items are signed like single jobs. */
  batches?: Pick<BatchAccounting, 'started' | 'finished'>;
}

/**
 * The `sign` queue processor. It never swallows a failure: a permanent one is thrown
 * as UnrecoverableError (no retry), a transient one is rethrown for BullMQ's backoff;
 * either way the failedReason is `{"code","message"}` JSON. The success event is
 * enqueued once the job's log entry is durable (a failure to enqueue it retries the job,
 * which finds its entry and enqueues again under the same event id); when the job fails
 * for good (permanent, or its last attempt) the failure event is enqueued first. A batch
 * item's final outcome is recorded in its batch before the job leaves the processor.
 */
export function createSignJobProcessor(deps: SignJobProcessorDeps): FleetSignProcessor<QueueName.Sign> {
  const processJob: FleetSignProcessor<QueueName.Sign> = async (job): Promise<SignJobResult> => {
    const { requestId } = job.data;
    const log = deps.logger.child({ jobId: job.id, tenant: job.data.tenant, profile: job.data.profile, attempt: job.attemptsMade + 1, ...(requestId ? { requestId } : {}) });
    const start = performance.now();
    try {
      await deps.batches?.started(job);
      // Held jobs that were rejected or expired fail here, before the pipeline touches a key.
      checkApprovalReleased(job.data);
      const result = await deps.pipeline.run(job);
      deps.profiles?.reportSigning(job.data.profile, { ok: true });
      await deps.webhooks.jobSucceeded(job, result);
      // A failure to record it fails this attempt; the retry finds the job's log entry and records again.
      await deps.batches?.finished(job, succeededOutcome(result));
      deps.metrics.jobsSucceeded.inc({ profile: job.data.profile, reused: String(result.reused === true) });
      deps.metrics.jobDuration.observe({ outcome: 'succeeded' }, (performance.now() - start) / 1000);
      log.info({ signedKey: result.signedKey, signedSha256: result.signedSha256, reused: result.reused === true, timings: result.timings }, 'image signed');
      return result;
    } catch (err) {
      deps.profiles?.reportSigning(job.data.profile, { ok: false, error: err });
      const failure = classifyJobError(err);
      const final = failure.permanent || isLastAttempt(job, deps.retry);
      deps.metrics.attemptsFailed.inc({ code: failure.code, retry: String(!final) });
      deps.metrics.jobDuration.observe({ outcome: 'failed' }, (performance.now() - start) / 1000);
      const fields = { code: failure.code, reason: failure.message, permanent: failure.permanent, final, err };
      if (final) log.error(fields, 'sign job failed');
      else log.warn(fields, 'sign job attempt failed; it will be retried');
      if (final) {
        await deps.webhooks.jobFailed(job, failure).catch((notifyErr: unknown) => {
          log.error({ err: notifyErr }, 'could not enqueue the job.failed webhook');
        });
        // The worker's failed listener records it again if this does not get through.
        await deps.batches?.finished(job, failedOutcome(failure)).catch((recordErr: unknown) => {
          log.error({ err: recordErr }, 'could not record the failed batch item');
        });
      }
      throw jobError(failure, err);
    }
  };
  // With tracing on, each attempt is a span continuing the trace of the request that queued the job;
  // with it off the processor runs bare (no per-job tracing work).
  return (job, ...rest) =>
    !tracingEnabled() ? processJob(job, ...rest) : withSpan(
      'sign job',
      {
        kind: SpanKind.CONSUMER,
        parent: parentContextOf(job.data.traceContext),
        attributes: { 'fleetsign.job_id': job.id ?? '', 'fleetsign.profile': job.data.profile, 'fleetsign.attempt': job.attemptsMade + 1 },
      },
      () => processJob(job, ...rest),
    );
}
