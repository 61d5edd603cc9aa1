import {
  type BatchItemStore,
  type BatchItemOutcome,
  type BatchJobData,
  type FleetSignQueue,
  type JobOrigin,
  QueueName,
  type SignJobData,
  type SignJobResult,
  batchManifestKey,
  webhookEventId,
  jobOriginOf,
} from '@fleetsign/queue';
import { originOfFollowUpJob } from '@fleetsign/observability';
import type { Logger } from 'pino';
import type { SignerMetrics } from '../observability/signer-metrics';

/** The parts of a sign job the accounting reads. */
export interface BatchItemJob {
  id?: string;
  data: Pick<SignJobData, 'tenant' | 'batchId' | 'batchIndex' | 'requestId' | 'traceContext'>;
}

/** The batch and position of a job that is a batch item; undefined for single jobs. */
export function batchItemOf(job: BatchItemJob): { batchId: string; index: number } | undefined {
  const { batchId, batchIndex } = job.data;
  if (
    batchId === undefined ||
    batchIndex === undefined ||
    !Number.isSafeInteger(batchIndex) ||
    batchIndex < 0
  )
    return undefined;
  return { batchId, index: batchIndex };
}

/** The compact outcome of a succeeded item, from its job result. */
export function succeededOutcome(result: SignJobResult): BatchItemOutcome {
  return {
    state: 'succeeded',
    signedKey: result.signedKey,
    imageSha256: result.imageSha256,
    signedSha256: result.signedSha256,
    blocks: result.blocks,
    ...(result.reused ? { reused: true } : {}),
    ...(result.policy ? { policy: result.policy } : {}),
    log: result.log,
  };
}

/** The outcome of an item that failed for good. */
export function failedOutcome(error: { code: string; message: string }): BatchItemOutcome {
  return { state: 'failed', error: { code: error.code, message: error.message } };
}

/** What the accounting needs. */
export interface BatchAccountingDeps {
  items: BatchItemStore;
  batchQueue: FleetSignQueue<QueueName.Batch>;
  logger: Logger;
  metrics?: SignerMetrics;
}

/**
 * Counts batch items as they become final (success, or failure for good) and, when the
 * last one is counted, adds the batch's `batch` job (id = batch id, so it exists once
 * however often the last item is delivered) that writes the manifest.
 */
export class BatchAccounting {
  constructor(private readonly deps: BatchAccountingDeps) {}

  /** Shows a batch item as active while a signer works on it; nothing for single jobs. */
  async started(job: BatchItemJob): Promise<void> {
    const item = batchItemOf(job);
    if (item) await this.deps.items.markActive(item.batchId, item.index);
  }

  /**
   * Records a batch item's final outcome (once per item) and schedules the batch's
   * completion when every item is final. Called again for an item already counted
   * (a repeated delivery), it still schedules the completion: the earlier call may
   * have died between the two steps.
   */
  async finished(job: BatchItemJob, outcome: BatchItemOutcome): Promise<void> {
    const item = batchItemOf(job);
    if (!item) return;
    const recorded = await this.deps.items.recordOutcome(item.batchId, job.data.tenant, item.index, outcome);
    if (!recorded.batchExists) {
      this.deps.logger.warn(
        { batchId: item.batchId, index: item.index, jobId: job.id },
        'batch item finished after its batch record expired',
      );
      return;
    }
    if (recorded.counted) this.deps.metrics?.batchItemsFinished.inc({ outcome: outcome.state });
    if (recorded.final >= recorded.total) await this.scheduleCompletion(item.batchId, jobOriginOf(job.data));
  }

  /** Adds the batch's completion job, unless it exists already. */
  async scheduleCompletion(batchId: string, origin: JobOrigin = {}): Promise<void> {
    const record = await this.deps.items.record(batchId);
    if (!record) return;
    const data: BatchJobData = {
      batchId,
      tenant: record.tenant,
      profile: record.profile,
      counts: { total: record.total },
      manifestKey: batchManifestKey(record.tenant, batchId),
      requestedAt: record.createdAt,
      ...(record.webhookUrl ? { webhook: { url: record.webhookUrl, eventId: webhookEventId(batchId) } } : {}),
      ...(record.metadata ? { metadata: record.metadata } : {}),
      ...originOfFollowUpJob(origin),
    };
    await this.deps.batchQueue.add(QueueName.Batch, data, { jobId: batchId });
  }
}
