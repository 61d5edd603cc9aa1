import type { ApprovalView } from '@fleetsign/api/approvals';
import type { SignJobData } from './sign-job';

// Dual control: a profile may require N distinct approvers (never the requester) before
// its jobs and batches are signed. Until then they wait in Redis under the layout below
// (never on the `sign` queue, so no signer can take them); a decision that releases,
// rejects or expires them puts their sign jobs on the queue with the verdict in the job
// data, and the signer refuses a job whose approval is not `approved` before any HSM
// operation. The record, the decisions and the pending indexes are changed only by the
// scripts of ApprovalStore (approval-store.ts).

/** An approver's decision. */
export type ApprovalDecisionKind = 'approve' | 'reject';

/** One decision, as recorded, shown and written to the transparency log. */
export interface ApprovalDecision {
  /** Name of the approver (API key id or identity name), never a token. */
  approver: string;
  decision: ApprovalDecisionKind;
  /** ISO-8601 time of the decision. */
  at: string;
  comment?: string;
}

/** Where an approval stands: `pending` until N approvals, one rejection or the expiry. */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired';

/** What a sign job held for approval carries once its approval is over (job data, never secrets). */
export interface SignJobApproval {
  state: Exclude<ApprovalState, 'pending'>;
  required: number;
  /** Every decision taken, in time order. */
  decisions: ApprovalDecision[];
  expiresAt: string;
  /** ISO-8601 time the approval was released, rejected or expired. */
  decidedAt: string;
}

/** What is held: one sign job, or a whole batch (one approval covers every item). */
export type ApprovalSubject = 'job' | 'batch';

/** Data of an `approval` job: the delayed job that expires a pending approval (and finishes a stranded one). */
export interface ApprovalJobData {
  /** Id of the held job or batch (`job_…` / `batch_…`). */
  approvalId: string;
  tenant: string;
}

/** Result of an `approval` job: the state the approval was found or left in. */
export interface ApprovalJobResult {
  state: ApprovalState;
}

/** The id of the expiry job of an approval (a BullMQ custom id: no ':' and not an integer). */
export function approvalExpiryJobId(approvalId: string): string {
  return `exp_${approvalId}`;
}

/** The webhook event id of the `sign.awaiting_approval` event of a job or batch. */
export function awaitingApprovalEventId(approvalId: string): string {
  return `evt_${approvalId}_awaiting_approval`;
}

/** The Redis keys of one approval. */
export interface ApprovalRedisKeys {
  /** Hash: the approval record (fields in {@link ApprovalField}). */
  record: string;
  /** Hash: approver -> JSON decision; HEXISTS makes each approver count once. */
  decisions: string;
  /** List: a held batch's planned items (JSON), enqueued on release. */
  items: string;
  /** Sorted set of every pending approval id (score = expiry in ms). */
  pending: string;
  /** Sorted set of the tenant's pending approval ids (score = expiry in ms). */
  tenantPending: string;
}

/**
 * Keys of approval `id` under the queue prefix: '{fleetsign}:approval-state:<id>…', never
 * under '{fleetsign}:approval:', the `approval` queue's own key space.
 */
export function approvalRedisKeys(prefix: string, id: string, tenant: string): ApprovalRedisKeys {
  const base = `${prefix}:approval-state:${id}`;
  return {
    record: base,
    decisions: `${base}:decisions`,
    items: `${base}:items`,
    pending: `${prefix}:approvals-pending`,
    tenantPending: `${prefix}:approvals-pending:${tenant}`,
  };
}

/** Field names of the approval record hash. */
export const ApprovalField = {
  subject: 'subject',
  tenant: 'tenant',
  profile: 'profile',
  requester: 'requester',
  required: 'required',
  /** JSON array of the profile's approvers as configured (names, `scope:<scope>`). */
  approvers: 'approvers',
  createdAt: 'createdAt',
  expiresAt: 'expiresAt',
  expiresAtMs: 'expiresAtMs',
  state: 'state',
  decidedAt: 'decidedAt',
  /** '1' once the held sign jobs are on the queue (with the verdict). */
  finalised: 'finalised',
  requestHash: 'requestHash',
  /** JSON sign job data of a held single job. */
  job: 'job',
  /** Items of a held batch. */
  total: 'total',
  webhookUrl: 'webhookUrl',
  metadata: 'metadata',
} as const;

/** A held job's or batch's approval state is kept this long after its expiry (GET /v1/approvals/:id). */
export const APPROVAL_KEEP_AFTER_EXPIRY_SECONDS = 7 * 24 * 3600;

/** What the gateway stores when it holds a job or batch. */
export interface NewApprovalRecord {
  subject: ApprovalSubject;
  tenant: string;
  profile: string;
  requester: string;
  required: number;
  approvers: readonly string[];
  createdAt: string;
  expiresAt: string;
  requestHash: string;
  /** The held sign job's data (subject `job`); `requestHash` travels inside for replays. */
  job?: SignJobData;
  total?: number;
  webhookUrl?: string;
  metadata?: Record<string, string>;
}

/** An approval as read back. */
export interface ApprovalRecord extends NewApprovalRecord {
  id: string;
  state: ApprovalState;
  decidedAt?: string;
  finalised: boolean;
  decisions: ApprovalDecision[];
}

/** The hash fields of a new record, for HSET. */
export function newApprovalRecordFields(record: NewApprovalRecord): Record<string, string> {
  return {
    [ApprovalField.subject]: record.subject,
    [ApprovalField.tenant]: record.tenant,
    [ApprovalField.profile]: record.profile,
    [ApprovalField.requester]: record.requester,
    [ApprovalField.required]: String(record.required),
    [ApprovalField.approvers]: JSON.stringify(record.approvers),
    [ApprovalField.createdAt]: record.createdAt,
    [ApprovalField.expiresAt]: record.expiresAt,
    [ApprovalField.expiresAtMs]: String(Date.parse(record.expiresAt)),
    [ApprovalField.state]: 'pending',
    [ApprovalField.requestHash]: record.requestHash,
    ...(record.job ? { [ApprovalField.job]: JSON.stringify(record.job) } : {}),
    ...(record.total !== undefined ? { [ApprovalField.total]: String(record.total) } : {}),
    ...(record.webhookUrl ? { [ApprovalField.webhookUrl]: record.webhookUrl } : {}),
    ...(record.metadata ? { [ApprovalField.metadata]: JSON.stringify(record.metadata) } : {}),
  };
}

const STATES: ReadonlySet<string> = new Set<ApprovalState>(['pending', 'approved', 'rejected', 'expired']);

/** The stored form of a decision (the approver is the hash field). */
export function encodeApprovalDecision(decision: ApprovalDecision): string {
  return JSON.stringify(decision);
}

/** Reads a stored decision. */
export function decodeApprovalDecision(text: string): ApprovalDecision {
  const parsed = JSON.parse(text) as ApprovalDecision;
  if (typeof parsed?.approver !== 'string' || (parsed.decision !== 'approve' && parsed.decision !== 'reject') || typeof parsed.at !== 'string') {
    throw new TypeError('approval decision is not {approver, decision, at}');
  }
  return parsed;
}

/** Reads a record hash and its decisions hash; undefined when the approval does not exist. */
export function parseApprovalRecord(id: string, hash: Record<string, string>, decisions: Record<string, string>): ApprovalRecord | undefined {
  const tenant = hash[ApprovalField.tenant];
  const state = hash[ApprovalField.state];
  if (!tenant || !state || !STATES.has(state)) return undefined;
  const optional = (field: string) => (hash[field] ? hash[field] : undefined);
  const job = optional(ApprovalField.job);
  const metadata = optional(ApprovalField.metadata);
  const total = optional(ApprovalField.total);
  return {
    id,
    subject: hash[ApprovalField.subject] === 'batch' ? 'batch' : 'job',
    tenant,
    profile: hash[ApprovalField.profile] ?? '',
    requester: hash[ApprovalField.requester] ?? '',
    required: Number(hash[ApprovalField.required] ?? 1),
    approvers: JSON.parse(hash[ApprovalField.approvers] ?? '[]') as string[],
    createdAt: hash[ApprovalField.createdAt] ?? '',
    expiresAt: hash[ApprovalField.expiresAt] ?? '',
    requestHash: hash[ApprovalField.requestHash] ?? '',
    state: state as ApprovalState,
    finalised: hash[ApprovalField.finalised] === '1',
    decisions: Object.values(decisions)
      .map(decodeApprovalDecision)
      .sort((a, b) => a.at.localeCompare(b.at)),
    ...(optional(ApprovalField.decidedAt) ? { decidedAt: hash[ApprovalField.decidedAt] } : {}),
    ...(job ? { job: JSON.parse(job) as SignJobData } : {}),
    ...(total !== undefined ? { total: Number(total) } : {}),
    ...(optional(ApprovalField.webhookUrl) ? { webhookUrl: hash[ApprovalField.webhookUrl] } : {}),
    ...(metadata ? { metadata: JSON.parse(metadata) as Record<string, string> } : {}),
  };
}

/** The verdict a closed approval hands to its sign jobs. */
export function signJobApprovalOf(record: ApprovalRecord): SignJobApproval {
  if (record.state === 'pending') throw new TypeError(`approval ${record.id} is still pending`);
  return {
    state: record.state,
    required: record.required,
    decisions: record.decisions,
    expiresAt: record.expiresAt,
    decidedAt: record.decidedAt ?? new Date().toISOString(),
  };
}

/** The public `approval` view (@fleetsign/api) of the verdict a released (or refused) sign job carries. */
export function approvalViewOfVerdict(approval: SignJobApproval): ApprovalView {
  return {
    state: approval.state,
    required: approval.required,
    approved: approval.decisions.filter((d) => d.decision === 'approve').length,
    decisions: approval.decisions,
    expiresAt: approval.expiresAt,
    decidedAt: approval.decidedAt,
  };
}
