import type { CreateJobRequest, JobView } from '@fleetsign/api';
import { Inject, Injectable } from '@nestjs/common';
import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import {
  approvalViewOfVerdict,
  type FleetSignJob,
  type FleetSignQueue,
  INTAKE_RECORD_VERSION,
  type JobOrigin,
  QueueName,
  RELEASE_JOB_PRIORITY,
  type SignJobData,
  deterministicJobId,
  signedObjectKey,
  webhookEventId,
} from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import { randomUUID } from 'node:crypto';
import { approvalViewOfRecord } from '../approvals/approval-view';
import { ApprovalsService } from '../approvals/approvals.service';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { DOWNLOAD_URL_TTL_SEC, GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, SIGN_QUEUE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import { IntakeStore } from '../intake/intake-store';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import type { QuotaState } from '../quotas/quota-headers';
import { TenantQuotas } from '../quotas/tenant-quotas';
import { checkProfileAccess } from '../profiles/profile-access';
import { checkSourceChips } from '../uploads/chip-admission';
import { UploadIntents } from '../uploads/upload-intents';
import { requestHash } from './job-request';
import { apiJobState, buildJobView, heldJobView, webhookView } from './job-view';
import { sourceKeyProblem } from './source-key';
import { readJobWithState } from './job-with-state';

/** Sign job data as the gateway writes it: the contract's fields plus the idempotency fingerprint. */
export type GatewaySignJobData = SignJobData & { requestHash?: string };

/** Job ids the API hands out: `job_<32 hex>` (random or from the Idempotency-Key). */
const JOB_ID = /^job_[0-9a-f]{32}$/;

/** The webhook event id of a sign job's final state. */
export function eventIdOf(jobId: string): string {
  return webhookEventId(jobId);
}

/** Outcome of `POST /v1/jobs`: the job, and whether an earlier identical request created it. */
export interface CreatedJob {
  id: string;
  state: JobView['state'];
  replay: boolean;
  /** The tenant's signatures per day after this job, when it has that quota. */
  quota?: QuotaState;
}

/** Creates sign jobs and reports their state, strictly within the caller's tenant. */
@Injectable()
export class JobsService {
  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(SIGN_QUEUE) private readonly signQueue: FleetSignQueue<QueueName.Sign>,
    @Inject(WEBHOOK_QUEUE) private readonly webhookQueue: FleetSignQueue<QueueName.Webhook>,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly settings: GatewaySettings,
    private readonly intents: UploadIntents,
    private readonly metrics: GatewayMetrics,
    private readonly audit: AuditService,
    private readonly quotas: TenantQuotas,
    private readonly approvals: ApprovalsService,
    private readonly intake: IntakeStore,
  ) {}

  /** Link to a job's state. */
  selfUrl(id: string): string {
    return `${this.settings.publicBaseUrl}/v1/jobs/${id}`;
  }

  /**
   * Checks the request against the caller's rights and the profile, then enqueues it.
   * With an idempotency key the job id is derived from (tenant, key): the same body
   * returns the existing job, another body is 409.
   */
  async create(principal: Principal, request: CreateJobRequest, idempotencyKey?: string, origin: JobOrigin = {}): Promise<CreatedJob> {
    checkProfileAccess(this.fleet, principal, request.profile);
    const sourceKey = this.checkSourceKey(principal, request.source.key);
    const fingerprint = requestHash(request);
    const id = idempotencyKey
      ? deterministicJobId(principal.tenant, idempotencyKey)
      : `job_${randomUUID().replace(/-/g, '')}`;

    if (idempotencyKey) {
      const existing = await this.signQueue.getJob(id);
      if (existing) return this.replayOf(existing, fingerprint);
      const held = await this.approvals.find(id);
      if (held) return this.replayOfHeld(id, held.requestHash, held.profile, fingerprint);
    }

    const head = await this.store.head(sourceKey);
    if (!head) {
      throw new FleetSignError(ErrorCode.SourceNotFound, `Source object "${sourceKey}" does not exist`, {
        key: sourceKey,
      });
    }
    const intent = await this.intents.recall(sourceKey);
    if (intent?.chipId !== undefined) {
      checkSourceChips(this.fleet, request.profile, [{ path: 'source', key: sourceKey, chipId: intent.chipId }]);
    }
    const sha256 = request.source.sha256 ?? intent?.sha256;
    const data: GatewaySignJobData = {
      tenant: principal.tenant,
      requester: principal.name,
      ...(principal.oidc ? { requesterIssuer: principal.oidc.issuer } : {}),
      profile: request.profile,
      source: { key: sourceKey, ...(sha256 ? { sha256 } : {}), size: intent?.size ?? head.size },
      signedKey: signedObjectKey(principal.tenant, id),
      requestedAt: new Date().toISOString(),
      requestHash: fingerprint,
      ...(request.webhook ? { webhook: { url: request.webhook.url, eventId: eventIdOf(id) } } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
      ...(request.fresh !== undefined ? { fresh: request.fresh } : {}),
      ...origin,
    };
    // One signature of the tenant's day, taken before the job exists and handed back if it is not made.
    const reservation = await this.quotas.reserveSignatures(principal.tenant, 1);
    try {
      // The intake record (kept in the store before the 202) is what a Redis loss cannot take.
      const { requestHash: _fingerprint, ...jobData } = data;
      const intake = await this.intake.writeJob({ version: INTAKE_RECORD_VERSION, kind: 'job', jobId: id, requestHash: fingerprint, data: jobData });
      if (!intake.created && intake.existing.requestHash !== fingerprint) {
        throw new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body');
      }
      const rule = this.approvals.ruleOf(request.profile);
      if (rule) {
        // Dual control: the job waits under its approval, off the sign queue, until released.
        const held = await this.approvals.holdJob(id, { ...data, requestHash: fingerprint }, rule);
        if (!held.held) {
          await this.quotas.release(reservation);
          return await this.replayOfHeld(id, held.requestHash, request.profile, fingerprint);
        }
        this.metrics.jobsSubmitted.inc({ profile: request.profile, replay: 'false' });
        return { id, state: 'awaiting_approval', replay: false, ...(reservation ? { quota: reservation.state } : {}) };
      }
      // BullMQ ignores an add whose id exists, so two racing requests still make one job;
      // reading it back tells the loser whether its body matched the winner's. Single
      // jobs are release jobs: their priority puts them ahead of every batch item.
      try {
        await this.signQueue.add(QueueName.Sign, data, { jobId: id, priority: RELEASE_JOB_PRIORITY });
      } catch (err) {
        await this.intake.withdraw(intake);
        throw err;
      }
      if (idempotencyKey) {
        const stored = await this.signQueue.getJob(id);
        if (stored && (stored.data as GatewaySignJobData).requestHash !== fingerprint) {
          await this.quotas.release(reservation);
          return await this.replayOf(stored, fingerprint);
        }
      }
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.IdempotencyConflict)) await this.quotas.release(reservation).catch(() => undefined);
      throw err;
    }
    this.metrics.jobsSubmitted.inc({ profile: request.profile, replay: 'false' });
    return { id, state: 'queued', replay: false, ...(reservation ? { quota: reservation.state } : {}) };
  }

  /** The view of one of the caller's jobs; 404 for unknown ids and other tenants' jobs alike. */
  async get(principal: Principal, id: string): Promise<JobView> {
    const read = JOB_ID.test(id) ? await readJobWithState(this.signQueue, id) : undefined;
    if (!read && JOB_ID.test(id)) {
      const held = await this.approvals.find(id);
      if (held?.subject === 'job' && held.job && held.tenant === principal.tenant) {
        return heldJobView(id, this.selfUrl(id), held.job, approvalViewOfRecord(held));
      }
    }
    if (!read || read.job.data.tenant !== principal.tenant) {
      throw new FleetSignError(ErrorCode.NotFound, `Job "${id}" not found`);
    }
    const { job, state } = read;
    const result = job.returnvalue;
    const download =
      state === 'completed' && result
        ? {
            url: await this.store.presignGet(result.signedKey, DOWNLOAD_URL_TTL_SEC),
            expiresAt: new Date(Date.now() + DOWNLOAD_URL_TTL_SEC * 1000).toISOString(),
          }
        : undefined;
    let webhook;
    if (job.data.webhook) {
      const delivery = await readJobWithState(this.webhookQueue, job.data.webhook.eventId);
      webhook = webhookView(
        job.data.webhook,
        delivery && { state: delivery.state, attemptsMade: delivery.job.attemptsMade, failedReason: delivery.job.failedReason },
      );
    }
    const view = buildJobView({ id, selfUrl: this.selfUrl(id), job, state, download, webhook });
    if (job.data.approval) view.approval = approvalViewOfVerdict(job.data.approval);
    if (view.result) view.result.log = await this.audit.completeReceipt(view.result.log);
    return view;
  }

  private checkSourceKey(principal: Principal, key: string): string {
    const problem = sourceKeyProblem(principal.tenant, key);
    if (problem?.reason === 'invalid') {
      throw new FleetSignError(ErrorCode.ValidationFailed, `source.key is ${problem.message}`, {
        errors: [{ path: 'source.key', message: problem.message }],
      });
    }
    if (problem?.reason === 'foreign') {
      throw new FleetSignError(ErrorCode.Forbidden, `source.key ${problem.message}`, { prefix: problem.prefix });
    }
    return key;
  }

  /** A replay of a request whose job is held for approval. */
  private async replayOfHeld(id: string, heldHash: string, profile: string, fingerprint: string): Promise<CreatedJob> {
    if (heldHash !== fingerprint) {
      throw new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body');
    }
    // Re-announces (expiry job, awaiting event: fixed ids) in case the first request stopped half way.
    await this.approvals.announce(id);
    const signJob = await this.signQueue.getJob(id);
    this.metrics.jobsSubmitted.inc({ profile, replay: 'true' });
    if (signJob) return this.replayOf(signJob, fingerprint);
    return { id, state: 'awaiting_approval', replay: true };
  }

  private async replayOf(job: FleetSignJob<QueueName.Sign>, fingerprint: string): Promise<CreatedJob> {
    if ((job.data as GatewaySignJobData).requestHash !== fingerprint) {
      throw new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body',
      );
    }
    this.metrics.jobsSubmitted.inc({ profile: job.data.profile, replay: 'true' });
    return { id: job.id as string, state: apiJobState(await job.getState(), job.failedReason ? job.attemptsMade : 0), replay: true };
  }
}
