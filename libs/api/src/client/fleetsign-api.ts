import { z } from 'zod';
import {
  type AuditCheckpointView,
  type AuditConsistencyView,
  type AuditEntriesPage,
  type AuditProofView,
  type AuditPublicKeyView,
  type CheckpointsPage,
  MAX_ENTRIES_PAGE,
  checkpointViewSchema,
  checkpointsPageSchema,
  consistencyViewSchema,
  entriesPageSchema,
  inclusionViewSchema,
  publicKeyViewSchema,
} from '../audit';
import {
  type BatchItemView,
  type BatchItemsFilter,
  type BatchItemsPage,
  type BatchView,
  type CreateBatchBody,
  type CreateBatchResponse,
  ITEMS_PAGE_MAX,
  batchItemsPageSchema,
  batchViewSchema,
  createBatchResponseSchema,
} from '../batches';
import { type CreateJobBody, type CreateJobResponse, type JobView, createJobResponseSchema, jobViewSchema } from '../jobs';
import { type ProfileList, type ProfilePublicKeys, profileListSchema, profilePublicKeysSchema } from '../profiles';
import { type PresignedUploadResponse, presignedUploadResponseSchema } from '../uploads';
import { type ReconcileReport, reconcileReportSchema } from '../admin';
import {
  type ApprovalList,
  type ApprovalListEntry,
  type DecisionBody,
  type DecisionResponse,
  approvalListEntrySchema,
  approvalListSchema,
  decisionResponseSchema,
} from '../approvals';
import { type SignatureStatus, signatureStatusSchema } from '../signatures';
import { ServiceClient, type ServiceClientOptions } from './service-client';

/** Largest page the items route serves. */
export const ITEMS_PAGE_LIMIT = ITEMS_PAGE_MAX;

/** Largest page of transparency log entries the audit route serves. */
export const AUDIT_PAGE_LIMIT = MAX_ENTRIES_PAGE;

const anyJson = z.unknown();

/**
 * The FleetSign HTTP API (v1): the one client of it (CLI, demo, bench and tests). Every
 * answer is checked against its schema from @fleetsign/api; failures are ServiceErrors
 * with one-line messages, retried when that is safe.
 */
export class FleetSignApi {
  private readonly http: ServiceClient;

  constructor(options: ServiceClientOptions) {
    this.http = new ServiceClient(options);
  }

  /** The base URL as shown in messages. */
  get displayBaseUrl(): string {
    return this.http.displayBaseUrl;
  }

  /** True when `GET /readyz` answers 2xx (the gateway reaches Redis and the object store); one attempt. */
  async ready(): Promise<boolean> {
    try {
      await this.http.request({ method: 'GET', path: '/readyz', anonymous: true, schema: anyJson });
      return true;
    } catch {
      return false;
    }
  }

  /** A presigned upload for an image of this size and digest (the signer refuses other bytes). */
  createUpload(contentLength: number, sha256: string): Promise<PresignedUploadResponse> {
    // A lost answer only leaves an unused key behind, so a retry is harmless.
    return this.http.request({
      method: 'POST',
      path: '/v1/uploads',
      body: { contentLength, sha256 },
      idempotent: true,
      schema: presignedUploadResponseSchema,
    });
  }

  /** Submits a sign job; with an Idempotency-Key a retry names the same job. */
  createJob(body: CreateJobBody, idempotencyKey?: string): Promise<CreateJobResponse> {
    return this.http.request({
      method: 'POST',
      path: '/v1/jobs',
      body,
      schema: createJobResponseSchema,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey }, idempotent: true } : {}),
    });
  }

  getJob(id: string): Promise<JobView> {
    return this.http.request({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}`, idempotent: true, schema: jobViewSchema });
  }

  /** Submits a batch; the Idempotency-Key makes a re-run name the same batch. */
  createBatch(body: CreateBatchBody, idempotencyKey: string): Promise<CreateBatchResponse> {
    return this.http.request({
      method: 'POST',
      path: '/v1/batches',
      body,
      headers: { 'idempotency-key': idempotencyKey },
      idempotent: true,
      schema: createBatchResponseSchema,
    });
  }

  getBatch(id: string): Promise<BatchView> {
    return this.http.request({
      method: 'GET',
      path: `/v1/batches/${encodeURIComponent(id)}`,
      idempotent: true,
      schema: batchViewSchema,
    });
  }

  /** One page of a batch's items in index order. */
  listBatchItems(
    id: string,
    options: { state?: BatchItemsFilter; cursor?: string; limit?: number } = {},
  ): Promise<BatchItemsPage> {
    const query = new URLSearchParams({ state: options.state ?? 'all', limit: String(options.limit ?? ITEMS_PAGE_LIMIT) });
    if (options.cursor) query.set('cursor', options.cursor);
    return this.http.request({
      method: 'GET',
      path: `/v1/batches/${encodeURIComponent(id)}/items?${query.toString()}`,
      idempotent: true,
      schema: batchItemsPageSchema,
    });
  }

  /** Every item of a batch, following the cursor (bounded: each page must bring items, at most `total` in all). */
  async allBatchItems(id: string, total: number, state: BatchItemsFilter = 'all'): Promise<BatchItemView[]> {
    const items: BatchItemView[] = [];
    let cursor: string | undefined;
    for (let page = 0; page <= total; page++) {
      const answer = await this.listBatchItems(id, { state, cursor });
      items.push(...answer.items);
      cursor = answer.nextCursor;
      if (!cursor) return items;
      if (answer.items.length === 0 || items.length > total) break;
    }
    throw new Error(`GET /v1/batches/${id}/items: the pages do not end after the ${total} items of the batch`);
  }

  /** The profiles the key may use. */
  listProfiles(): Promise<ProfileList> {
    return this.http.request({ method: 'GET', path: '/v1/profiles', idempotent: true, schema: profileListSchema });
  }

  /** A profile's public keys; ServiceError 503 PROFILE_KEYS_UNAVAILABLE until a signer published them. */
  profilePublicKeys(profile: string): Promise<ProfilePublicKeys> {
    return this.http.request({
      method: 'GET',
      path: `/v1/profiles/${encodeURIComponent(profile)}/public-keys`,
      idempotent: true,
      schema: profilePublicKeysSchema,
    });
  }

  /** The transparency log's newest signed checkpoint. */
  auditCheckpoint(): Promise<AuditCheckpointView> {
    return this.http.request({ method: 'GET', path: '/v1/audit/checkpoint', idempotent: true, schema: checkpointViewSchema });
  }

  /** One page of stored checkpoints with more than `after` entries. */
  auditCheckpoints(after?: number): Promise<CheckpointsPage> {
    const query = after === undefined ? '' : `?after=${after}`;
    return this.http.request({ method: 'GET', path: `/v1/audit/checkpoints${query}`, idempotent: true, schema: checkpointsPageSchema });
  }

  auditPublicKey(): Promise<AuditPublicKeyView> {
    return this.http.request({ method: 'GET', path: '/v1/audit/public-key', idempotent: true, schema: publicKeyViewSchema });
  }

  /** Log entries [start, end) the key may see (at most AUDIT_PAGE_LIMIT). */
  auditEntries(start: number, end: number): Promise<AuditEntriesPage> {
    return this.http.request({
      method: 'GET',
      path: `/v1/audit/entries?start=${start}&end=${end}`,
      idempotent: true,
      schema: entriesPageSchema,
    });
  }

  /** RFC 9162 consistency proof between two tree sizes. */
  auditConsistency(from: number, to: number): Promise<AuditConsistencyView> {
    return this.http.request({
      method: 'GET',
      path: `/v1/audit/consistency?from=${from}&to=${to}`,
      idempotent: true,
      schema: consistencyViewSchema,
    });
  }

  auditProof(jobId: string): Promise<AuditProofView> {
    return this.http.request({
      method: 'GET',
      path: `/v1/audit/proofs/${encodeURIComponent(jobId)}`,
      idempotent: true,
      schema: inclusionViewSchema,
    });
  }

  /** Which signings produced the file or image with this SHA-256, and whether a key or profile of one is revoked now. */
  signatureStatus(sha256: string): Promise<SignatureStatus> {
    return this.http.request({
      method: 'GET',
      path: `/v1/signatures/status?sha256=${encodeURIComponent(sha256)}`,
      idempotent: true,
      schema: signatureStatusSchema,
    });
  }

  /** Pending approvals of the caller's tenant (every tenant's for an operator key). */
  listApprovals(): Promise<ApprovalList> {
    return this.http.request({ method: 'GET', path: '/v1/approvals', idempotent: true, schema: approvalListSchema });
  }

  /** The approval of a job or batch. */
  getApproval(id: string): Promise<ApprovalListEntry> {
    return this.http.request({ method: 'GET', path: `/v1/approvals/${encodeURIComponent(id)}`, idempotent: true, schema: approvalListEntrySchema });
  }

  /** Approves or rejects a held job or batch; never retried (a lost answer shows in the approval). */
  decide(id: string, decision: 'approve' | 'reject', comment?: string): Promise<DecisionResponse> {
    const kind = id.startsWith('batch_') ? 'batches' : 'jobs';
    const body: DecisionBody = { decision, ...(comment ? { comment } : {}) };
    return this.http.request({ method: 'POST', path: `/v1/${kind}/${encodeURIComponent(id)}/approvals`, body, schema: decisionResponseSchema });
  }

  /** Re-creates job and batch state Redis lost from the intake records (operator scope); idempotent, so a lost answer is retried. */
  reconcile(): Promise<ReconcileReport> {
    return this.http.request({ method: 'POST', path: '/v1/admin/reconcile', idempotent: true, schema: reconcileReportSchema });
  }
}
