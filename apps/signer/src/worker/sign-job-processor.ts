import { performance } from 'node:perf_hooks';
import type { FleetSignProcessor, QueueName, SignJobResult } from '@fleetsign/queue';
import type { Logger } from 'pino';
import type { WebhookEnqueuer } from '../notify/webhook-enqueuer';
import type { SignerMetrics } from '../observability/signer-metrics';
import type { SignPipeline } from '../pipeline/sign-pipeline';
import { classifyJobError, isLastAttempt, jobError } from './job-failure';

/** What the sign job processor needs. */
export interface SignJobProcessorDeps {
  pipeline: Pick<SignPipeline, 'run'>;
  webhooks: Pick<WebhookEnqueuer, 'jobFailed'>;
  metrics: SignerMetrics;
  logger: Logger;
}

/**
 * The `sign` queue processor. It never swallows a failure: a permanent one is thrown
 * as UnrecoverableError (no retry), a transient one is rethrown for BullMQ's backoff;
 * either way the failedReason is `{"code","message"}` JSON. When the job fails for
 * good (permanent, or its last attempt) the failure event is enqueued first.
 */
export function createSignJobProcessor(deps: SignJobProcessorDeps): FleetSignProcessor<QueueName.Sign> {
  return async (job): Promise<SignJobResult> => {
    const log = deps.logger.child({ jobId: job.id, tenant: job.data.tenant, profile: job.data.profile, attempt: job.attemptsMade + 1 });
    const start = performance.now();
    try {
      const result = await deps.pipeline.run(job);
      deps.metrics.jobsSucceeded.inc({ profile: job.data.profile, reused: String(result.reused === true) });
      deps.metrics.jobDuration.observe({ outcome: 'succeeded' }, (performance.now() - start) / 1000);
      log.info({ signedKey: result.signedKey, signedSha256: result.signedSha256, reused: result.reused === true, timings: result.timings }, 'image signed');
      return result;
    } catch (err) {
      const failure = classifyJobError(err);
      const final = failure.permanent || isLastAttempt(job);
      deps.metrics.attemptsFailed.inc({ code: failure.code, retry: String(!final) });
      deps.metrics.jobDuration.observe({ outcome: 'failed' }, (performance.now() - start) / 1000);
      const fields = { code: failure.code, reason: failure.message, permanent: failure.permanent, final, err };
      if (final) log.error(fields, 'sign job failed');
      else log.warn(fields, 'sign job attempt failed; it will be retried');
      if (final) {
        await deps.webhooks.jobFailed(job, failure).catch((notifyErr: unknown) => {
          log.error({ err: notifyErr }, 'could not enqueue the job.failed webhook');
        });
      }
      throw jobError(failure, err);
    }
  };
}
