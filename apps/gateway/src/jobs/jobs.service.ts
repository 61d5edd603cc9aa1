import type { CreateJobRequest, JobView } from '@fleetsign/api';
import { Inject, Injectable } from '@nestjs/common';
import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  type FleetSignJob,
  type FleetSignQueue,
  QueueName,
  RELEASE_JOB_PRIORITY,
  type SignJobData,
  deterministicJobId,
  signedObjectKey,
  webhookEventId,
} from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { DOWNLOAD_URL_TTL_SEC, GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, OBJECT_STORE, SIGN_QUEUE, WEBHOOK_QUEUE } from '../core/gateway.tokens';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { checkProfileAccess } from '../profiles/profile-access';
import { checkSourceChips } from '../uploads/chip-admission';
import { UploadIntents } from '../uploads/upload-intents';
import { requestHash } from './job-request';
import { apiJobState, buildJobView, webhookView } from './job-view';
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
  async create(principal: Principal, request: CreateJobRequest, idempotencyKey?: string): Promise<CreatedJob> {
    checkProfileAccess(this.fleet, principal, request.profile);
    const sourceKey = this.checkSourceKey(principal, request.source.key);
    const fingerprint = requestHash(request);
    const id = idempotencyKey
      ? deterministicJobId(principal.tenant, idempotencyKey)
      : `job_${randomUUID().replace(/-/g, '')}`;

    if (idempotencyKey) {
      const existing = await this.signQueue.getJob(id);
      if (existing) return this.replayOf(existing, fingerprint);
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
      requester: principal.keyId,
      profile: request.profile,
      source: { key: sourceKey, ...(sha256 ? { sha256 } : {}), size: intent?.size ?? head.size },
      signedKey: signedObjectKey(principal.tenant, id),
      requestedAt: new Date().toISOString(),
      requestHash: fingerprint,
      ...(request.webhook ? { webhook: { url: request.webhook.url, eventId: eventIdOf(id) } } : {}),
      ...(request.metadata ? { metadata: request.metadata } : {}),
      ...(request.fresh !== undefined ? { fresh: request.fresh } : {}),
    };
    // BullMQ ignores an add whose id exists, so two racing requests still make one job;
    // reading it back tells the loser whether its body matched the winner's. Single
    // jobs are release jobs: their priority puts them ahead of every batch item.
    await this.signQueue.add(QueueName.Sign, data, { jobId: id, priority: RELEASE_JOB_PRIORITY });
    if (idempotencyKey) {
      const stored = await this.signQueue.getJob(id);
      if (stored && (stored.data as GatewaySignJobData).requestHash !== fingerprint) {
        return this.replayOf(stored, fingerprint);
      }
    }
    this.metrics.jobsSubmitted.inc({ profile: request.profile, replay: 'false' });
    return { id, state: 'queued', replay: false };
  }

  /** The view of one of the caller's jobs; 404 for unknown ids and other tenants' jobs alike. */
  async get(principal: Principal, id: string): Promise<JobView> {
    const read = JOB_ID.test(id) ? await readJobWithState(this.signQueue, id) : undefined;
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

  private async replayOf(job: FleetSignJob<QueueName.Sign>, fingerprint: string): Promise<CreatedJob> {
    if ((job.data as GatewaySignJobData).requestHash !== fingerprint) {
      throw new FleetSignError(ErrorCode.IdempotencyConflict, 'This Idempotency-Key was already used with a different request body',
      );
    }
    this.metrics.jobsSubmitted.inc({ profile: job.data.profile, replay: 'true' });
    return { id: job.id as string, state: apiJobState(await job.getState(), job.failedReason ? job.attemptsMade : 0), replay: true };
  }
}
