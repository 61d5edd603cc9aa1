// Shapes of the gateway's answers, as far as the client reads them.

/** Job and batch item states. */
export type ItemState = 'awaiting_approval' | 'queued' | 'active' | 'succeeded' | 'failed';

/** A failure as the service reports it. */
export interface ServiceFailure {
  code: string;
  message: string;
}

/** One signature block of a signed image. */
export interface SignedBlockView {
  index: number;
  algorithm: string;
  keyDigest: string;
}

/** `POST /v1/uploads` answer. */
export interface UploadGrant {
  key: string;
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

/** `POST /v1/jobs` body. */
export interface CreateJobBody {
  profile: string;
  source: { key: string; sha256?: string };
  webhook?: { url: string };
  metadata?: Record<string, string>;
  fresh?: boolean;
}

/** `POST /v1/jobs` and `POST /v1/batches` answers. */
export interface Accepted {
  id: string;
  state: string;
  total?: number;
  links: { self: string };
}

/** Delivery state of a webhook. */
export interface WebhookView {
  url: string;
  eventId: string;
  state: string;
  attempts: number;
  lastError?: string;
}

/** Policy facts of a signing (requester, app description). */
export interface SigningPolicyView {
  requester?: string;
  app?: { projectName: string; version: string; secureVersion: number; idfVersion: string; buildDate: string; buildTime: string };
  previousSecureVersion?: number;
  certificates?: Array<{ keyIndex: number; serial: string; subject: string; issuer: string; sha256Fingerprint: string; notAfter: string }>;
  usage?: Array<{
    keyIndex: number;
    keyDigestSha256: string;
    count: number;
    maxSignatures?: number;
    remaining?: number;
    window?: { length: string; max: number; used: number; remaining: number };
  }>;
}

/** `GET /v1/jobs/:id` answer. */
export interface JobView {
  id: string;
  state: ItemState;
  profile: string;
  /** The API key that submitted the job, or the subject of a CI identity's OIDC token. */
  requester?: string;
  /** The token's issuer when the requester is a CI identity. */
  requesterIssuer?: string;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  metadata?: Record<string, string>;
  error?: ServiceFailure;
  result?: {
    imageSha256: string;
    signedSha256: string;
    signedKey: string;
    signedSize: number;
    scheme: string;
    downloadUrl: string;
    downloadUrlExpiresAt: string;
    blocks: SignedBlockView[];
    reused?: boolean;
    policy?: SigningPolicyView;
  };
  webhook?: WebhookView;
  approval?: ApprovalView;
}

/** `POST /v1/batches` body. */
export interface CreateBatchBody {
  profile: string;
  items: Array<{ source: { key: string }; name?: string; metadata?: Record<string, string> }>;
  webhook?: { url: string };
  metadata?: Record<string, string>;
  fresh?: boolean;
}

/** Item counts of a batch. */
export interface BatchCountsView {
  queued: number;
  active: number;
  succeeded: number;
  failed: number;
}

/** `GET /v1/batches/:id` answer. */
export interface BatchView {
  id: string;
  state: 'awaiting_approval' | 'queued' | 'running' | 'completed';
  profile: string;
  requester?: string;
  requesterIssuer?: string;
  total: number;
  counts: BatchCountsView;
  progress: number;
  createdAt: string;
  finishedAt?: string;
  manifest?: { key: string; downloadUrl: string };
  webhook?: WebhookView;
  approval?: ApprovalView;
}

/** One entry of `GET /v1/batches/:id/items`. */
export interface BatchItemView {
  index: number;
  name: string;
  sourceKey: string;
  jobId: string;
  state: ItemState;
  signedKey?: string;
  downloadUrl?: string;
  imageSha256?: string;
  signedSha256?: string;
  reused?: boolean;
  error?: ServiceFailure;
}

/** One page of `GET /v1/batches/:id/items`. */
export interface BatchItemsPage {
  items: BatchItemView[];
  nextCursor?: string;
}

/** `GET /v1/profiles/:name/public-keys` answer. */
export interface ProfilePublicKeysView {
  profile: string;
  scheme: string;
  state?: string;
  publishedAt: string;
  keys: Array<{
    index: number;
    algorithm: string;
    publicKeyPem: string;
    keyDigestSha256: string;
    keyDigestEfuse: string;
  }>;
}

/** `GET /v1/audit/checkpoint` answer (and a proof's checkpoint). */
export interface AuditCheckpointView {
  origin: string;
  size: number;
  rootHash: string;
  /** The C2SP signed note. */
  note: string;
}

/** `GET /v1/audit/checkpoints` answer: stored checkpoints by ascending size. */
export interface AuditCheckpointsPage {
  checkpoints: Array<{ size: number; note: string }>;
  next?: number;
}

/** `GET /v1/audit/public-key` answer. */
export interface AuditPublicKeyView {
  origin?: string;
  publicKeyPem: string;
}

/** `GET /v1/audit/entries` answer; entries are checked against the log entry schema by the caller. */
export interface AuditEntriesPage {
  start: number;
  end: number;
  treeSize: number;
  entries: unknown[];
}

/** `GET /v1/audit/proofs/{jobId}` answer. */
export interface AuditProofView {
  jobId: string;
  index: number;
  leafHash: string;
  entry: unknown;
  checkpoint?: AuditCheckpointView;
  inclusionProof?: string[];
}

/** One approver's decision on a job or batch. */
export interface ApprovalDecisionView {
  approver: string;
  decision: 'approve' | 'reject';
  at: string;
  comment?: string;
}

/** The `approval` of a job or batch of a profile with dual control. */
export interface ApprovalView {
  state: 'pending' | 'approved' | 'rejected' | 'expired';
  required: number;
  approved: number;
  approvers?: string[];
  decisions: ApprovalDecisionView[];
  expiresAt: string;
  decidedAt?: string;
}

/** One entry of `GET /v1/approvals` (and `GET /v1/approvals/:id`). */
export interface ApprovalEntryView {
  id: string;
  subject: 'job' | 'batch';
  tenant: string;
  profile: string;
  requester: string;
  createdAt: string;
  total?: number;
  metadata?: Record<string, string>;
  mayDecide: boolean;
  approval: ApprovalView;
}

/** Answer of `POST /v1/{jobs,batches}/:id/approvals`. */
export interface ApprovalDecisionOutcome {
  id: string;
  subject: 'job' | 'batch';
  approval: ApprovalView;
}

/** Answer of POST /v1/admin/reconcile (apps/gateway/src/reconcile/reconcile-report.ts). */
export interface ReconcileReportView {
  startedAt: string;
  finishedAt: string;
  batches: { seen: number; intact: number; resumed: number; restored: number; completedBefore: number; expired: number };
  items: { enqueued: number; logged: number };
  jobs: { seen: number; intact: number; restored: number; logged: number; expired: number };
  problems: Array<{ key: string; reason: string }>;
}

/** `GET /v1/signatures/status`: the signings that produced a file or image and whether any is revoked now. */
export interface SignatureStatusView {
  sha256: string;
  jobs: Array<{
    jobId: string;
    tenant: string;
    profile: string;
    profileState: string;
    profileRevokedAt?: string;
    kind: string;
    matched: string[];
    signedSha256: string;
    imageSha256: string;
    keys: Array<{ index: number; keyDigestSha256: string; keyRef: string; state: string; revokedAt?: string }>;
    signedAt: string;
    logIndex: number;
    revoked: boolean;
  }>;
  revoked: boolean;
  revokedAt?: string;
  truncated?: boolean;
}
