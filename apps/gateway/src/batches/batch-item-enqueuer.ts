import { Inject, Injectable } from '@nestjs/common';
import {
  BatchStore,
  type BatchRecord,
  type FleetSignQueue,
  type JobOrigin,
  QueueName,
  type SignJobApproval,
  type SignJobData,
  batchItemJobId,
  batchItemPriority,
  encodeBatchItem,
  signedObjectKey,
} from '@fleetsign/queue';
import { GatewaySettings } from '../core/gateway-settings';
import { SIGN_QUEUE } from '../core/gateway.tokens';
import { UploadIntents } from '../uploads/upload-intents';
import type { PlannedItem } from './batch-request';

/** Sign jobs added per round trip: bounds memory and Redis command size for a 10,000-item batch. */
export const BATCH_ENQUEUE_CHUNK = 500;

/**
 * Adds a batch's item jobs: ordinary `sign` jobs with a fixed id per (batch, index),
 * `batchId`/`batchIndex` in their data and a fair-share priority from the tenant's
 * backlog, chunk by chunk so a 10,000-item batch never has more than one chunk of job
 * objects in memory.
 */
@Injectable()
export class BatchItemEnqueuer {
  constructor(
    @Inject(SIGN_QUEUE) private readonly signQueue: FleetSignQueue<QueueName.Sign>,
    private readonly settings: GatewaySettings,
    private readonly intents: UploadIntents,
    private readonly batches: BatchStore,
  ) {}

  /**
   * Adds the item jobs from `startAt` on: per chunk, reserve it (item list and tenant
   * backlog, once), add its jobs (a repeat adds nothing: the ids exist), then record the
   * progress, so a replayed request resumes where a failed one stopped.
   */
  async enqueue(
    batch: BatchRecord,
    items: readonly PlannedItem[],
    startAt: number,
    approval?: SignJobApproval,
    origin: JobOrigin = {},
  ): Promise<void> {
    const slice = this.settings.batch.fairShareSlice;
    for (let from = startAt; from < items.length; from += BATCH_ENQUEUE_CHUNK) {
      const to = Math.min(items.length, from + BATCH_ENQUEUE_CHUNK);
      const chunk = items.slice(from, to);
      const base = await this.batches.reserveChunk(
        batch.batchId,
        batch.tenant,
        from,
        to,
        chunk.map(encodeBatchItem),
      );
      const jobs = await Promise.all(
        chunk.map(async (item, offset) => {
          const index = from + offset;
          const jobId = batchItemJobId(batch.batchId, index);
          return {
            name: QueueName.Sign as const,
            data: { ...(await this.itemJobData(batch, item, index, jobId)), ...(approval ? { approval } : {}), ...origin },
            opts: { jobId, priority: batchItemPriority(base + offset, slice) },
          };
        }),
      );
      await this.signQueue.addBulk(jobs);
      await this.batches.markEnqueued(batch.batchId, to);
    }
  }

  /**
   * Adds again the jobs of items `indexes` (already in the item list) that Redis lost while
   * keeping the batch record; an item whose job exists is left as it is (same job id).
   */
  async readd(batch: BatchRecord, items: readonly PlannedItem[], indexes: readonly number[]): Promise<void> {
    const slice = this.settings.batch.fairShareSlice;
    for (let from = 0; from < indexes.length; from += BATCH_ENQUEUE_CHUNK) {
      const jobs = await Promise.all(
        indexes.slice(from, from + BATCH_ENQUEUE_CHUNK).map(async (index) => {
          const jobId = batchItemJobId(batch.batchId, index);
          return {
            name: QueueName.Sign as const,
            data: await this.itemJobData(batch, items[index], index, jobId),
            opts: { jobId, priority: batchItemPriority(index, slice) },
          };
        }),
      );
      await this.signQueue.addBulk(jobs);
    }
  }

  private async itemJobData(
    batch: BatchRecord,
    item: PlannedItem,
    index: number,
    jobId: string,
  ): Promise<SignJobData> {
    // A declared upload's digest and size travel with the job, so the signer refuses a swapped object.
    const known = item.sha256 !== undefined || item.size !== undefined;
    const intent = known ? undefined : await this.intents.recall(item.sourceKey);
    const sha256 = item.sha256 ?? intent?.sha256;
    const size = item.size ?? intent?.size;
    const metadata = batch.metadata || item.metadata ? { ...batch.metadata, ...item.metadata } : undefined;
    return {
      tenant: batch.tenant,
      ...(batch.requester ? { requester: batch.requester } : {}),
      ...(batch.requesterIssuer ? { requesterIssuer: batch.requesterIssuer } : {}),
      profile: batch.profile,
      source: {
        key: item.sourceKey,
        ...(sha256 ? { sha256 } : {}),
        ...(size !== undefined ? { size } : {}),
      },
      signedKey: signedObjectKey(batch.tenant, jobId),
      requestedAt: batch.createdAt,
      ...(metadata ? { metadata } : {}),
      ...(batch.fresh ? { fresh: true } : {}),
      batchId: batch.batchId,
      batchIndex: index,
    };
  }
}
