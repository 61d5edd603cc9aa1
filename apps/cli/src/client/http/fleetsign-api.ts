import type {
  Accepted,
  ApprovalDecisionOutcome,
  ApprovalEntryView,
  AuditCheckpointView,
  AuditEntriesPage,
  AuditProofView,
  AuditCheckpointsPage,
  AuditPublicKeyView,
  BatchItemView,
  BatchItemsPage,
  BatchView,
  CreateBatchBody,
  CreateJobBody,
  JobView,
  ProfilePublicKeysView,
  ReconcileReportView,
  SignatureStatusView,
  UploadGrant,
} from './api-types';
import { ServiceClient, type ServiceClientOptions } from './service-client';

/** Largest page the items route serves. */
export const ITEMS_PAGE_LIMIT = 1000;

/** Largest page of transparency log entries the audit route serves. */
export const AUDIT_PAGE_LIMIT = 1000;

/** The FleetSign HTTP API (v1) as the client uses it. */
export class FleetSignApi {
  private readonly http: ServiceClient;

  constructor(options: ServiceClientOptions) {
    this.http = new ServiceClient(options);
  }

  /** The base URL as shown in messages. */
  get displayBaseUrl(): string {
    return this.http.displayBaseUrl;
  }

  /** A presigned upload for an image of this size and digest (the signer refuses other bytes). */
  createUpload(contentLength: number, sha256: string): Promise<UploadGrant> {
    // A lost answer only leaves an unused key behind, so a retry is harmless.
    return this.http.request({ method: 'POST', path: '/v1/uploads', body: { contentLength, sha256 }, idempotent: true });
  }

  /** Submits a sign job; with an Idempotency-Key a retry names the same job. */
  createJob(body: CreateJobBody, idempotencyKey?: string): Promise<Accepted> {
    return this.http.request({
      method: 'POST',
      path: '/v1/jobs',
      body,
      ...(idempotencyKey ? { headers: { 'idempotency-key': idempotencyKey }, idempotent: true } : {}),
    });
  }

  getJob(id: string): Promise<JobView> {
    return this.http.request({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}`, idempotent: true });
  }

  /** Submits a batch; the Idempotency-Key makes a re-run name the same batch. */
  createBatch(body: CreateBatchBody, idempotencyKey: string): Promise<Accepted> {
    return this.http.request({
      method: 'POST',
      path: '/v1/batches',
      body,
      headers: { 'idempotency-key': idempotencyKey },
      idempotent: true,
    });
  }

  getBatch(id: string): Promise<BatchView> {
    return this.http.request({ method: 'GET', path: `/v1/batches/${encodeURIComponent(id)}`, idempotent: true });
  }

  /** One page of a batch's items in index order. */
  listBatchItems(
    id: string,
    options: { state?: 'succeeded' | 'failed' | 'all'; cursor?: string; limit?: number } = {},
  ): Promise<BatchItemsPage> {
    const query = new URLSearchParams({ state: options.state ?? 'all', limit: String(options.limit ?? ITEMS_PAGE_LIMIT) });
    if (options.cursor) query.set('cursor', options.cursor);
    return this.http.request({
      method: 'GET',
      path: `/v1/batches/${encodeURIComponent(id)}/items?${query.toString()}`,
      idempotent: true,
    });
  }

  /** Every item of a batch, following the cursor (bounded: each page must bring items, at most `total` in all). */
  async allBatchItems(id: string, total: number, state: 'succeeded' | 'failed' | 'all' = 'all'): Promise<BatchItemView[]> {
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

  /** Which signings produced the file or image with this SHA-256, and whether a key or profile of one is revoked now. */
  signatureStatus(sha256: string): Promise<SignatureStatusView> {
    return this.http.request({ method: 'GET', path: `/v1/signatures/status?sha256=${encodeURIComponent(sha256)}`, idempotent: true });
  }

  profilePublicKeys(profile: string): Promise<ProfilePublicKeysView> {
    return this.http.request({
      method: 'GET',
      path: `/v1/profiles/${encodeURIComponent(profile)}/public-keys`,
      idempotent: true,
    });
  }

  /** Pending approvals of the caller's tenant (every tenant's for an operator key). */
  listApprovals(): Promise<{ approvals: ApprovalEntryView[] }> {
    return this.http.request({ method: 'GET', path: '/v1/approvals', idempotent: true });
  }

  /** The approval of a job or batch. */
  getApproval(id: string): Promise<ApprovalEntryView> {
    return this.http.request({ method: 'GET', path: `/v1/approvals/${encodeURIComponent(id)}`, idempotent: true });
  }

  /** Approves or rejects a held job or batch; never retried (a lost answer shows in the approval). */
  decide(id: string, decision: 'approve' | 'reject', comment?: string): Promise<ApprovalDecisionOutcome> {
    const kind = id.startsWith('batch_') ? 'batches' : 'jobs';
    return this.http.request({
      method: 'POST',
      path: `/v1/${kind}/${encodeURIComponent(id)}/approvals`,
      body: { decision, ...(comment ? { comment } : {}) },
    });
  }

  /** The transparency log's newest signed checkpoint. */
  auditCheckpoint(): Promise<AuditCheckpointView> {
    return this.http.request({ method: 'GET', path: '/v1/audit/checkpoint', idempotent: true });
  }

  /** One page of stored checkpoints with more than `after` entries. */
  auditCheckpoints(after?: number): Promise<AuditCheckpointsPage> {
    const query = after === undefined ? '' : `?after=${after}`;
    return this.http.request({ method: 'GET', path: `/v1/audit/checkpoints${query}`, idempotent: true });
  }

  auditPublicKey(): Promise<AuditPublicKeyView> {
    return this.http.request({ method: 'GET', path: '/v1/audit/public-key', idempotent: true });
  }

  /** Log entries [start, end) the key may see (at most AUDIT_PAGE_LIMIT). */
  auditEntries(start: number, end: number): Promise<AuditEntriesPage> {
    return this.http.request({ method: 'GET', path: `/v1/audit/entries?start=${start}&end=${end}`, idempotent: true });
  }

  /** RFC 9162 consistency proof between two tree sizes. */
  auditConsistency(from: number, to: number): Promise<{ from: number; to: number; proof: string[] }> {
    return this.http.request({ method: 'GET', path: `/v1/audit/consistency?from=${from}&to=${to}`, idempotent: true });
  }

  auditProof(jobId: string): Promise<AuditProofView> {
    return this.http.request({ method: 'GET', path: `/v1/audit/proofs/${encodeURIComponent(jobId)}`, idempotent: true });
  }

  /** Re-creates job and batch state Redis lost from the intake records (operator scope); idempotent, so a lost answer is retried. */
  reconcile(): Promise<ReconcileReportView> {
    return this.http.request({ method: 'POST', path: '/v1/admin/reconcile', idempotent: true });
  }
}
