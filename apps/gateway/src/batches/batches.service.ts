import { BatchStore, type StoredItem, type BatchRecord, type FleetSignQueue, type QueueName, batchItemJobId, deterministicBatchId, webhookEventId } from '@fleetsign/queue';
import type { ApiBatchState, BatchItemsPage, BatchView, CreateBatchRequest, BatchItemsQuery } from '@fleetsign/api';
import { Inject, Injectable } from '@nestjs/common';
import { type FleetSignConfig, findProfile } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal';
import { DOWNLOAD_URL_TTL_SEC, GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import { webhookView } from '../jobs/job-view';
import { readJobWithState } from '../jobs/job-with-state';
import { checkProfileAccess } from '../profiles/profile-access';
import { checkSourceChips } from '../uploads/chip-admission';
import { UploadIntents } from '../uploads/upload-intents';
import { BatchItemEnqueuer } from './batch-item-enqueuer';
import { type PlannedItem, batchRequestHash, planBatchItems } from './batch-request';
import {
  batchCounts,
  batchState,
  buildBatchView,
  buildItemView,
  decodeItemsCursor,
  encodeItemsCursor,
} from './batch-view';

/** Batch ids the API hands out: `batch_<32 hex>`. */
const BATCH_ID = /^batch_[0-9a-f]{32}$/;

/** Outcome of `POST /v1/batches`. */
export interface CreatedBatch {
  id: string;
  state: ApiBatchState;
  total: number;
  replay: boolean;
}

/**
 * Accepts batches (one sign job per item, added in chunks at fair-share priorities) and
 * reports their progress and items, strictly within the caller's tenant.
 */
@Injectable()
export class BatchesService {
  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(WEBHOOK_QUEUE) private readonly webhookQueue: FleetSignQueue<QueueName.Webhook>,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly settings: GatewaySettings,
    private readonly batches: BatchStore,
    private readonly enqueuer: BatchItemEnqueuer,
    private readonly intents: UploadIntents,
  ) {}

  /** Link to a batch's state. */
  selfUrl(id: string): string {
    return `${this.settings.publicBaseUrl}/v1/batches/${id}`;
  }

  /**
   * Checks the request, stores the batch and adds its item jobs. With an idempotency key
   * the batch id is derived from (tenant, key): the same body returns the same batch and
   * finishes an enqueue an earlier attempt left half done; another body is 409.
   */
  async create(
    principal: Principal,
    request: CreateBatchRequest,
    idempotencyKey?: string,
  ): Promise<CreatedBatch> {
    checkProfileAccess(this.fleet, principal, request.profile);
    const items = planBatchItems(principal.tenant, request.items);
    await this.checkItemChips(request.profile, items);
    const fingerprint = batchRequestHash(request);
    const id = idempotencyKey
      ? deterministicBatchId(principal.tenant, idempotencyKey)
      : `batch_${randomUUID().replace(/-/g, '')}`;
    const created = await this.batches.create(id, {
      tenant: principal.tenant,
      profile: request.profile,
      total: items.length,
      createdAt: new Date().toISOString(),
      requestHash: fingerprint,
      requester: principal.keyId,
      ...(request.webhook ? { webhookUrl: request.webhook.url } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
      ...(request.fresh ? { fresh: true } : {}),
    });
    if (!created.created && created.requestHash !== fingerprint) {
      throw new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body',
      );
    }
    const record = await this.batches.record(id);
    if (!record)
      throw new FleetSignError(ErrorCode.Internal, `Batch "${id}" vanished while it was created; retry`);
    const startAt = created.created ? 0 : created.enqueued;
    if (startAt < items.length) await this.enqueuer.enqueue(record, items, startAt);
    if (created.created) return { id, state: 'queued', total: items.length, replay: false };
    const counts = batchCounts(record, await this.batches.activeCount(id));
    return { id, state: batchState(record, counts), total: record.total, replay: true };
  }

  /** 422 CHIP_NOT_ALLOWED when an item's upload header names a chip the profile refuses (one Redis round trip). */
  private async checkItemChips(profile: string, items: readonly PlannedItem[]): Promise<void> {
    if (!findProfile(this.fleet, profile)?.allowedChips) return;
    const chips = await this.intents.recallChips(items.map((item) => item.sourceKey));
    const sources = items.flatMap((item, index) => {
      const chipId = chips.get(item.sourceKey);
      return chipId === undefined ? [] : [{ path: `items[${index}].source`, key: item.sourceKey, chipId }];
    });
    checkSourceChips(this.fleet, profile, sources);
  }

  /** The view of one of the caller's batches; 404 for unknown ids and other tenants' batches alike. */
  async get(principal: Principal, id: string): Promise<BatchView> {
    const record = await this.owned(principal, id);
    const activeCount = await this.batches.activeCount(id);
    const manifestDownloadUrl =
      record.state === 'completed' && record.manifestKey
        ? await this.store.presignGet(record.manifestKey, DOWNLOAD_URL_TTL_SEC)
        : undefined;
    let webhook;
    if (record.webhookUrl) {
      const eventId = webhookEventId(id);
      const delivery = await readJobWithState(this.webhookQueue, eventId);
      webhook = webhookView(
        { url: record.webhookUrl, eventId },
        delivery && { state: delivery.state, attemptsMade: delivery.job.attemptsMade, failedReason: delivery.job.failedReason },
      );
    }
    return buildBatchView({ record, activeCount, selfUrl: this.selfUrl(id), manifestDownloadUrl, webhook });
  }

  /** One page of a batch's items in index order, optionally only succeeded or failed ones. */
  async items(principal: Principal, id: string, query: BatchItemsQuery): Promise<BatchItemsPage> {
    const record = await this.owned(principal, id);
    const start = decodeItemsCursor(query.cursor);
    let page: StoredItem[];
    let next: number | undefined;
    if (query.state === 'all') {
      page = await this.batches.itemsFrom(id, start, query.limit);
      if (page.length === query.limit && start + query.limit < record.total) next = start + query.limit;
    } else {
      // One more than asked tells whether another page exists.
      const found = await this.batches.itemsInState(id, query.state, start, query.limit + 1);
      page = found.slice(0, query.limit);
      if (found.length > query.limit) next = found[query.limit].index;
    }
    const items = await Promise.all(
      page.map(async (item) => {
        const url =
          item.outcome?.state === 'succeeded'
            ? await this.store.presignGet(item.outcome.signedKey, DOWNLOAD_URL_TTL_SEC)
            : undefined;
        return buildItemView(item, batchItemJobId(id, item.index), url);
      }),
    );
    return { items, ...(next !== undefined ? { nextCursor: encodeItemsCursor(next) } : {}) };
  }

  private async owned(principal: Principal, id: string): Promise<BatchRecord> {
    const record = BATCH_ID.test(id) ? await this.batches.record(id) : undefined;
    if (!record || record.tenant !== principal.tenant) {
      throw new FleetSignError(ErrorCode.NotFound, `Batch "${id}" not found`);
    }
    return record;
  }
}
