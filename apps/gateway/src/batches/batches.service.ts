import {
  BatchStore,
  type BatchRecord,
  type FleetSignQueue,
  type JobOrigin,
  type NewBatchRecord,
  type QueueName,
  type StoredItem,
  batchItemJobId,
  deterministicBatchId,
  webhookEventId,
} from '@fleetsign/queue';
import type { ApiBatchState, BatchItemsPage, BatchView, CreateBatchRequest, BatchItemsQuery } from '@fleetsign/api';
import { Inject, Injectable } from '@nestjs/common';
import { type FleetSignConfig, findProfile } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import { randomUUID } from 'node:crypto';
import { approvalViewOfRecord } from '../approvals/approval-view';
import { ApprovalsService } from '../approvals/approvals.service';
import type { Principal } from '../auth/principal';
import { DOWNLOAD_URL_TTL_SEC, GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import { webhookView } from '../jobs/job-view';
import { readJobWithState } from '../jobs/job-with-state';
import { checkProfileAccess } from '../profiles/profile-access';
import type { QuotaState } from '../quotas/quota-headers';
import { type SignatureReservation, TenantQuotas } from '../quotas/tenant-quotas';
import { checkSourceChips } from '../uploads/chip-admission';
import { UploadIntents } from '../uploads/upload-intents';
import { BatchIntake, batchIntakeRecord } from './batch-intake';
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

function idempotencyConflict(): FleetSignError {
  return new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body');
}

/** Outcome of `POST /v1/batches`. */
export interface CreatedBatch {
  id: string;
  state: ApiBatchState;
  total: number;
  replay: boolean;
  /** The tenant's signatures per day after this batch, when it has that quota. */
  quota?: QuotaState;
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
    private readonly quotas: TenantQuotas,
    private readonly approvals: ApprovalsService,
    private readonly intake: BatchIntake,
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
    origin: JobOrigin = {},
  ): Promise<CreatedBatch> {
    checkProfileAccess(this.fleet, principal, request.profile);
    const planned = planBatchItems(principal.tenant, request.items);
    await this.checkItemChips(request.profile, planned);
    const fingerprint = batchRequestHash(request);
    const id = idempotencyKey
      ? deterministicBatchId(principal.tenant, idempotencyKey)
      : `batch_${randomUUID().replace(/-/g, '')}`;
    const replayed = idempotencyKey ? await this.batches.record(id) : undefined;
    if (replayed && replayed.requestHash !== fingerprint) throw idempotencyConflict();
    const items = await this.intake.withUploadFacts(planned);
    // Every item is a signature of the tenant's day: reserved whole before the batch exists, or
    // refused whole (429) with nothing stored. A replay of an accepted batch reserves nothing.
    const reservation = replayed ? undefined : await this.quotas.reserveSignatures(principal.tenant, items.length);
    let created;
    try {
      const newRecord: NewBatchRecord = {
        tenant: principal.tenant,
        profile: request.profile,
        total: items.length,
        createdAt: replayed?.createdAt ?? new Date().toISOString(),
        requestHash: fingerprint,
        requester: principal.name,
        ...(principal.oidc ? { requesterIssuer: principal.oidc.issuer } : {}),
        ...(request.webhook ? { webhookUrl: request.webhook.url } : {}),
        ...(request.metadata ? { metadata: request.metadata } : {}),
        ...(request.fresh ? { fresh: true } : {}),
      };
      // The intake record (kept in the store before the 202) is what a Redis loss cannot take.
      const intake = await this.intake.writeBatch(batchIntakeRecord(id, newRecord, items));
      if (!intake.created && intake.existing.requestHash !== fingerprint) throw idempotencyConflict();
      if (!intake.created && intake.existing.kind === 'batch') newRecord.createdAt = intake.existing.createdAt;
      try {
        created = await this.batches.create(id, newRecord);
      } catch (err) {
        await this.intake.withdraw(intake);
        throw err;
      }
    } catch (err) {
      await this.quotas.release(reservation).catch(() => undefined);
      throw err;
    }
    if (!created.created) await this.quotas.release(reservation);
    if (!created.created && created.requestHash !== fingerprint) throw idempotencyConflict();
    const answer = await this.enqueueRest(id, items, created.created ? 0 : created.enqueued, !created.created, origin);
    return created.created && reservation ? { ...answer, quota: reservation.state } : answer;
  }

  /**
   * Adds the item jobs of a stored batch from `startAt` on and reports it: used by a new
   * request, a replayed one, and the reconcile step after a Redis loss. A profile with
   * approvals holds the items under the batch's one approval instead (a replay, or a
   * reconcile after Redis lost the approval, holds them again: nothing is signed unapproved).
   */
  async enqueueRest(
    id: string,
    items: readonly PlannedItem[],
    startAt: number,
    replay: boolean,
    origin: JobOrigin = {},
  ): Promise<CreatedBatch> {
    const record = await this.batches.record(id);
    if (!record)
      throw new FleetSignError(ErrorCode.Internal, `Batch "${id}" vanished while it was created; retry`);
    const rule = this.approvals.ruleOf(record.profile);
    const held = rule ? await this.approvals.find(id) : undefined;
    if (rule && (!held || !held.finalised)) {
      if (!held) await this.approvals.holdBatch(record, items, rule);
      else await this.approvals.announce(id);
      const now = await this.approvals.find(id);
      const state: ApiBatchState = now?.state === 'pending' ? 'awaiting_approval' : 'queued';
      return { id, state, total: items.length, replay };
    }
    if (!held && startAt < items.length) await this.enqueuer.enqueue(record, items, startAt, undefined, origin);
    if (!replay) return { id, state: 'queued', total: items.length, replay: false };
    const counts = batchCounts(record, await this.batches.activeCount(id));
    return { id, state: batchState(record, counts), total: record.total, replay: true };
  }

  /** Stores the batch record; a failure hands the reserved signatures back. */
  private async storeBatch(
    id: string,
    record: Parameters<BatchStore['create']>[1],
    reservation: SignatureReservation | undefined,
  ): ReturnType<BatchStore['create']> {
    try {
      return await this.batches.create(id, record);
    } catch (err) {
      await this.quotas.release(reservation).catch(() => undefined);
      throw err;
    }
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
    const held = await this.approvals.find(id);
    const approval = held?.subject === 'batch' ? approvalViewOfRecord(held) : undefined;
    return buildBatchView({ record, activeCount, selfUrl: this.selfUrl(id), manifestDownloadUrl, webhook, approval });
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
