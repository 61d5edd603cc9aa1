import { type BatchItemStore, type BatchJobResult, encodeFailureReason, type FleetSignProcessor, type FleetSignQueue, type JobOrigin, type JobWebhookTarget, type JsonObject, QueueName, UnrecoverableError, type WebhookJobData, WebhookEventType } from '@fleetsign/queue';
import { type BatchEventData, batchEventDataSchema } from '@fleetsign/api';
import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import { originOfFollowUpJob } from '@fleetsign/observability';
import type { Logger } from 'pino';
import type { SignerMetrics } from '../observability/signer-metrics';
import type { BatchLogProofs } from './batch-log-proofs';
import { writeManifest } from './batch-manifest';

/** What the finaliser needs. */
export interface BatchFinaliserDeps {
  items: BatchItemStore;
  store: Pick<ObjectStore, 'put'>;
  webhookQueue: FleetSignQueue<QueueName.Webhook>;
  fleet: Pick<FleetSignConfig, 'profiles'>;
  logger: Logger;
  metrics?: SignerMetrics;
  /** Inclusion proofs for the manifest's items (absent when the log signs no checkpoints). */
  logProofs?: Pick<BatchLogProofs, 'prover'>;
}

/**
 * The `batch` queue processor, run once every item of a batch is final: writes the
 * manifest (streamed, page by page), marks the batch completed and enqueues its one
 * `batch.completed` webhook (job id = event id `evt_<batchId>`). Each step is
 * idempotent, so a retried job repeats them harmlessly; once the event is enqueued a
 * re-run does nothing.
 */
export function createBatchFinaliser(deps: BatchFinaliserDeps): FleetSignProcessor<QueueName.Batch> {
  return async (job): Promise<BatchJobResult> => {
    const { batchId, manifestKey } = job.data;
    const log = deps.logger.child({ batchId, tenant: job.data.tenant });
    const record = await deps.items.record(batchId);
    if (!record) {
      throw new UnrecoverableError(
        encodeFailureReason({ code: ErrorCode.NotFound, message: `batch ${batchId} no longer exists` }),
      );
    }
    const counts = { total: record.total, succeeded: record.succeeded, failed: record.failed };
    if (counts.succeeded + counts.failed < counts.total) {
      // Not every item is final: retry later (cannot happen unless the record was edited).
      throw new Error(
        encodeFailureReason({ code: ErrorCode.Internal, message: `batch ${batchId} has items still running` }),
      );
    }
    const scheme = deps.fleet.profiles.find((profile) => profile.name === record.profile)?.scheme;
    if (!scheme) {
      throw new UnrecoverableError(
        encodeFailureReason({
          code: ErrorCode.UnknownProfile,
          message: `profile ${record.profile} is not configured`,
        }),
      );
    }
    const result: BatchJobResult = {
      batchId,
      tenant: record.tenant,
      profile: record.profile,
      ...(record.requester ? { requester: record.requester } : {}),
      counts,
      manifestKey,
      ...(record.approval ? { approval: record.approval } : {}),
    };
    if (record.state === 'completed' && (record.eventEnqueued || !job.data.webhook)) {
      // A late re-run (the last item delivered again after the batch job was removed).
      log.info('batch already completed');
      return result;
    }
    const header = {
      batchId,
      tenant: record.tenant,
      profile: record.profile,
      scheme,
      ...(record.requester ? { requester: record.requester } : {}),
      createdAt: record.createdAt,
      completedAt: record.lastItemAt ?? new Date().toISOString(),
      counts,
      ...(record.approval ? { approval: record.approval } : {}),
    };
    // One checkpoint covering every item (all are logged by now), made before the manifest.
    const prove = deps.logProofs ? await deps.logProofs.prover() : undefined;
    const bytes = await writeManifest(
      deps.store,
      manifestKey,
      header,
      (start, count) => deps.items.finishedItems(batchId, start, count),
      prove,
    );
    await deps.items.markCompleted(batchId, manifestKey);
    if (job.data.webhook) {
      await enqueueBatchEvent(deps.webhookQueue, job.data.webhook, result, job.data);
      await deps.items.markEventEnqueued(batchId);
    }
    deps.metrics?.batchesCompleted.inc();
    log.info({ counts, manifestKey, manifestBytes: bytes }, 'batch completed');
    return result;
  };
}

/** Adds the batch's one `batch.completed` event; its job id is the event id, so a repeat adds nothing. */
async function enqueueBatchEvent(
  queue: FleetSignQueue<QueueName.Webhook>,
  target: JobWebhookTarget,
  batch: BatchJobResult,
  origin: JobOrigin,
): Promise<void> {
  // Parsed with the public schema: the event carries what @fleetsign/api documents, nothing else.
  const event: BatchEventData = batchEventDataSchema.parse({ ...batch, state: 'completed' });
  const data: WebhookJobData = {
    eventId: target.eventId,
    tenant: batch.tenant,
    url: target.url,
    type: WebhookEventType.BatchCompleted,
    payload: event as unknown as JsonObject,
    batchId: batch.batchId,
    ...originOfFollowUpJob(origin),
  };
  await queue.add(QueueName.Webhook, data, { jobId: target.eventId });
}
