import { Inject, Injectable, Logger } from '@nestjs/common';
import { APPROVER_SCOPE_PREFIX, type ApprovalConfig, type FleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalState,
  type ApprovalSubject,
  ApprovalStore,
  type BatchRecord,
  type FleetSignQueue,
  type JsonObject,
  QueueName,
  RELEASE_JOB_PRIORITY,
  type SignJobData,
  WebhookEventType,
  approvalExpiryJobId,
  awaitingApprovalEventId,
  signJobApprovalOf,
  BatchStore,
} from '@fleetsign/queue';
import type { Principal } from '../auth/principal';
import type { PlannedItem } from '../batches/batch-request';
import { BatchItemEnqueuer } from '../batches/batch-item-enqueuer';
import { GatewaySettings } from '../core/gateway-settings';
import { APPROVAL_QUEUE, FLEET_CONFIG, REDIS, SIGN_QUEUE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import type { Redis } from 'ioredis';
import type { ApprovalListEntry, ApprovalView, DecisionRequest } from '@fleetsign/api';
import { approvalViewOfRecord } from './approval-view';
import { approverName, approverRefusal, mayReadApprovals } from './approver-rights';

/** What a held request answers: held now, or the fingerprint of the request that held it first. */
export type HeldRequest = { held: true } | { held: false; requestHash: string };

/** Answer of a decision. */
export interface DecisionOutcome {
  id: string;
  subject: ApprovalSubject;
  approval: ApprovalView;
}

/** The approval rule stored with a record, as the rights check reads it. */
function ruleOf(record: Pick<ApprovalRecord, 'approvers'>): Pick<ApprovalConfig, 'approverNames' | 'approverScopes'> {
  return {
    approverNames: record.approvers.filter((a) => !a.startsWith(APPROVER_SCOPE_PREFIX)),
    approverScopes: record.approvers.filter((a) => a.startsWith(APPROVER_SCOPE_PREFIX)).map((a) => a.slice(APPROVER_SCOPE_PREFIX.length)),
  };
}

/** The configured approvers of a rule, as stored and shown (`scope:<scope>` for scopes). */
function configuredApprovers(rule: ApprovalConfig): string[] {
  return [...rule.approverNames, ...rule.approverScopes.map((scope) => `${APPROVER_SCOPE_PREFIX}${scope}`)];
}

/**
 * Dual control: holds jobs and batches of profiles with `approval` (in Redis, off the
 * sign queue), records decisions, and finishes an approval by putting its sign jobs on
 * the queue with the verdict (the signer signs only approved ones). Expiry comes from a
 * delayed job per approval on the `approval` queue (ApprovalExpiryWorker).
 */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger('Approvals');
  readonly store: ApprovalStore;

  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(REDIS) redis: Redis,
    @Inject(SIGN_QUEUE) private readonly signQueue: FleetSignQueue<QueueName.Sign>,
    @Inject(WEBHOOK_QUEUE) private readonly webhookQueue: FleetSignQueue<QueueName.Webhook>,
    @Inject(APPROVAL_QUEUE) private readonly approvalQueue: FleetSignQueue<QueueName.Approval>,
    private readonly settings: GatewaySettings,
    private readonly batches: BatchStore,
    private readonly enqueuer: BatchItemEnqueuer,
  ) {
    this.store = new ApprovalStore(redis, settings.prefix);
  }

  /** The approval rule of a profile, or undefined when its jobs need none. */
  ruleOf(profile: string): ApprovalConfig | undefined {
    return this.fleet.profiles.find((p) => p.name === profile)?.approval;
  }

  /**
   * Holds a single job: stores its sign job data under the approval, schedules its expiry
   * and announces it (`sign.awaiting_approval`). A replay re-schedules and re-announces
   * under the same ids (both idempotent), so a crash after the hold loses nothing.
   */
  async holdJob(id: string, data: SignJobData & { requestHash: string }, rule: ApprovalConfig): Promise<HeldRequest> {
    const expiresAt = new Date(Date.now() + rule.expiresAfterMs).toISOString();
    const held = await this.store.hold(id, {
      subject: 'job',
      tenant: data.tenant,
      profile: data.profile,
      requester: data.requester ?? '',
      required: rule.required,
      approvers: configuredApprovers(rule),
      createdAt: data.requestedAt,
      expiresAt,
      requestHash: data.requestHash,
      job: data,
      ...(data.metadata ? { metadata: data.metadata } : {}),
      ...(data.webhook ? { webhookUrl: data.webhook.url } : {}),
    });
    if (!held.held) return held;
    await this.announce(id);
    return held;
  }

  /** Holds a batch: its record exists already; the planned items wait under the approval. */
  async holdBatch(batch: BatchRecord, items: readonly PlannedItem[], rule: ApprovalConfig): Promise<void> {
    const expiresAt = new Date(Date.now() + rule.expiresAfterMs).toISOString();
    await this.store.hold(
      batch.batchId,
      {
        subject: 'batch',
        tenant: batch.tenant,
        profile: batch.profile,
        requester: batch.requester ?? '',
        required: rule.required,
        approvers: configuredApprovers(rule),
        createdAt: batch.createdAt,
        expiresAt,
        requestHash: batch.requestHash,
        total: batch.total,
        ...(batch.metadata ? { metadata: batch.metadata } : {}),
        ...(batch.webhookUrl ? { webhookUrl: batch.webhookUrl } : {}),
      },
      items.map((item) => JSON.stringify(item)),
    );
    await this.announce(batch.batchId);
  }

  /**
   * Schedules the expiry and enqueues the `sign.awaiting_approval` event of a held job or
   * batch (both under fixed ids: a repeat adds nothing). Also finishes an approval that
   * is over but whose sign jobs a crashed gateway never enqueued.
   */
  async announce(id: string): Promise<void> {
    const record = await this.store.get(id);
    if (!record) return;
    if (record.state !== 'pending') {
      await this.finalise(record);
      return;
    }
    const delay = Math.max(0, Date.parse(record.expiresAt) - Date.now());
    await this.approvalQueue.add(QueueName.Approval, { approvalId: id, tenant: record.tenant }, { jobId: approvalExpiryJobId(id), delay });
    if (record.webhookUrl) {
      const eventId = awaitingApprovalEventId(id);
      const payload = JSON.parse(
        JSON.stringify({
          ...(record.subject === 'batch' ? { batchId: id, total: record.total } : { jobId: id }),
          tenant: record.tenant,
          requester: record.requester,
          state: 'awaiting_approval',
          profile: record.profile,
          approval: { required: record.required, approvers: record.approvers, expiresAt: record.expiresAt },
          ...(record.metadata ? { metadata: record.metadata } : {}),
        }),
      ) as JsonObject;
      await this.webhookQueue.add(
        QueueName.Webhook,
        {
          eventId,
          tenant: record.tenant,
          url: record.webhookUrl,
          type: WebhookEventType.SignAwaitingApproval,
          payload,
          ...(record.subject === 'batch' ? { batchId: id } : { jobId: id }),
        },
        { jobId: eventId },
      );
    }
  }

  /** The caller's approval of `id` (404 for unknown ids and other tenants' alike). */
  async show(principal: Principal, id: string): Promise<ApprovalListEntry> {
    this.checkMayRead(principal);
    const record = await this.store.get(id);
    if (!record || record.tenant !== principal.tenant) throw new FleetSignError(ErrorCode.NotFound, `No approval for "${id}"`);
    return this.entryOf(principal, record);
  }

  /** Pending approvals of the caller's tenant, soonest expiry first (every tenant's for the console). */
  async list(principal: Principal, allTenants = false): Promise<ApprovalListEntry[]> {
    this.checkMayRead(principal);
    const records = await this.store.pending(allTenants ? undefined : principal.tenant);
    return records.map((record) => this.entryOf(principal, record));
  }

  /** The stored approval of a job or batch, for its view. */
  find(id: string): Promise<ApprovalRecord | undefined> {
    return this.store.get(id);
  }

  /**
   * One approver's decision on a job or batch: rights first (tenant, never the requester,
   * a named approver or scope holder), then the atomic script; a decision that ends the
   * approval enqueues its sign jobs with the verdict.
   */
  async decide(principal: Principal, subject: ApprovalSubject, id: string, request: DecisionRequest): Promise<DecisionOutcome> {
    const record = await this.store.get(id);
    if (!record || record.subject !== subject || record.tenant !== principal.tenant) {
      throw new FleetSignError(ErrorCode.NotFound, `No approval for ${subject} "${id}"`);
    }
    const refusal = approverRefusal(ruleOf(record), principal, record);
    if (refusal) throw refusal;
    const decision: ApprovalDecision = {
      approver: approverName(principal),
      decision: request.decision,
      at: new Date().toISOString(),
      ...(request.comment ? { comment: request.comment } : {}),
    };
    const outcome = await this.store.decide(id, record.tenant, decision);
    switch (outcome.outcome) {
      case 'missing':
        throw new FleetSignError(ErrorCode.NotFound, `No approval for ${subject} "${id}"`);
      case 'duplicate':
        throw new FleetSignError(ErrorCode.ApprovalAlreadyDecided, `"${decision.approver}" already decided on ${subject} "${id}"; each approver counts once`);
      case 'closed':
        await this.finalise(record);
        throw new FleetSignError(ErrorCode.ApprovalClosed, `The approval of ${subject} "${id}" is over (${outcome.state})`, { state: outcome.state });
      case 'expired':
        await this.expire(id, record.tenant);
        throw new FleetSignError(ErrorCode.ApprovalExpired, `The approval of ${subject} "${id}" expired at ${record.expiresAt}`);
      default:
        break;
    }
    const updated = (await this.store.get(id)) as ApprovalRecord;
    if (updated.state !== 'pending') await this.finalise(updated);
    this.logger.log(`approval ${id}: ${decision.approver} ${request.decision}d (${updated.state})`);
    return { id, subject, approval: approvalViewOfRecord(updated) };
  }

  /** Expires a pending approval past its expiry and finishes whatever is over; returns the state. */
  async expire(id: string, tenant: string): Promise<ApprovalState | 'missing'> {
    const state = await this.store.expire(id, tenant);
    if (state === 'missing' || state === 'pending') return state;
    const record = await this.store.get(id);
    if (record) await this.finalise(record);
    return state;
  }

  /**
   * Puts the held sign jobs on the queue with the verdict (fixed job ids: a repeat adds
   * nothing), then marks the approval finalised. Rejected and expired jobs fail in the
   * signer before any HSM operation, through the usual failure path (sign.failed, batch
   * accounting and manifest).
   */
  async finalise(record: ApprovalRecord): Promise<void> {
    if (record.finalised || record.state === 'pending') return;
    const approval = signJobApprovalOf(record);
    if (record.subject === 'job') {
      if (!record.job) throw new FleetSignError(ErrorCode.Internal, `Approval ${record.id} holds no job`);
      await this.signQueue.add(QueueName.Sign, { ...record.job, approval }, { jobId: record.id, priority: RELEASE_JOB_PRIORITY });
    } else {
      const batch = await this.batches.record(record.id);
      if (!batch) throw new FleetSignError(ErrorCode.Internal, `Batch ${record.id} vanished while it was held`);
      await this.batches.recordApproval(record.id, approval);
      const items = (await this.store.heldItems(record.id)).map((text) => JSON.parse(text) as PlannedItem);
      if (batch.enqueued < items.length) await this.enqueuer.enqueue(batch, items, batch.enqueued, approval);
    }
    await this.store.markFinalised(record.id, record.tenant);
  }

  private checkMayRead(principal: Principal): void {
    const rules = this.fleet.profiles.flatMap((profile) => (profile.approval ? [profile.approval] : []));
    if (!mayReadApprovals(principal, rules)) {
      throw new FleetSignError(ErrorCode.Forbidden, 'Reading approvals needs the read, approve or operator scope, or being a named approver');
    }
  }

  private entryOf(principal: Principal, record: ApprovalRecord): ApprovalListEntry {
    const base = this.settings.publicBaseUrl;
    const self = `${base}/v1/${record.subject === 'batch' ? 'batches' : 'jobs'}/${record.id}`;
    return {
      id: record.id,
      subject: record.subject,
      tenant: record.tenant,
      profile: record.profile,
      requester: record.requester,
      createdAt: record.createdAt,
      ...(record.total !== undefined ? { total: record.total } : {}),
      ...(record.metadata ? { metadata: record.metadata } : {}),
      mayDecide: record.state === 'pending' && approverRefusal(ruleOf(record), principal, record) === undefined,
      approval: approvalViewOfRecord(record),
      links: { self, decide: `${self}/approvals` },
    };
  }
}
