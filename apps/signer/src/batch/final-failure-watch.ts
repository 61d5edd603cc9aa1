import { Job } from 'bullmq';
import { decodeFailureReason, type FleetSignJob, type FleetSignWorker, type QueueName } from '@fleetsign/queue';
import type { Logger } from 'pino';
import { type BatchAccounting, batchItemOf, failedOutcome } from './batch-accounting';

/**
 * Records batch items that failed for good where the processor could not: a failure
 * the processor's own record did not get through, and a job BullMQ failed itself after
 * it stalled too often (no processor ran). Recording is idempotent per item.
 */
export function watchFinalFailures(
  worker: FleetSignWorker<QueueName.Sign>,
  accounting: Pick<BatchAccounting, 'finished'>,
  logger: Logger,
): void {
  const record = async (job: FleetSignJob<QueueName.Sign>) => {
    if (!batchItemOf(job) || !(await job.isFailed())) return;
    await accounting.finished(job, failedOutcome(decodeFailureReason(job.failedReason)));
  };
  const report = (jobId: string | undefined) => (err: unknown) =>
    logger.error(
      { err, jobId },
      'could not record a failed batch item; it is recorded when its job is seen again',
    );

  worker.on('failed', (job) => {
    if (job?.finishedOn) record(job).catch(report(job.id));
  });
  worker.on('stalled', (jobId) => {
    Job.fromId<FleetSignJob<QueueName.Sign>['data']>(worker, jobId)
      .then((job) => (job ? record(job as FleetSignJob<QueueName.Sign>) : undefined))
      .catch(report(jobId));
  });
}
