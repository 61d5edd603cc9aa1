import type { SignJobApproval } from './approval';
import type { BatchItemEntry, BatchItemOutcome } from './batch-job';

// A batch's state lives in Redis next to its queues (same {hash tag}, so scripts may
// touch several keys at once on a cluster). The gateway writes the record and the item
// list; the signer records each item's final outcome and, at the end, the manifest.

/** The Redis keys of one batch. */
export interface BatchRedisKeys {
  /** Hash: the batch record (fields in {@link BatchField}). */
  record: string;
  /** List: item i is a JSON `[name, sourceKey]` at position i. */
  items: string;
  /** Hash: item index -> JSON {@link BatchItemOutcome}, written once per item. */
  results: string;
  /** Set: indexes of items a signer is working on. */
  active: string;
  /** Sorted set: indexes of succeeded items (score = index), for paging by state. */
  succeeded: string;
  /** Sorted set: indexes of failed items (score = index). */
  failed: string;
}

/**
 * Keys of batch `batchId` under the queue prefix, e.g. '{fleetsign}:batch-state:batch_…'.
 * Never under `${prefix}:batch:`, which is the `batch` queue's own key space (its job
 * hashes are `${prefix}:batch:<jobId>`, and the batch job's id is the batch id).
 */
export function batchRedisKeys(prefix: string, batchId: string): BatchRedisKeys {
  const base = `${prefix}:batch-state:${batchId}`;
  return {
    record: base,
    items: `${base}:items`,
    results: `${base}:results`,
    active: `${base}:active`,
    succeeded: `${base}:succeeded`,
    failed: `${base}:failed`,
  };
}

/** Every key of a batch, for expiry. */
export function allBatchRedisKeys(keys: BatchRedisKeys): string[] {
  return [keys.record, keys.items, keys.results, keys.active, keys.succeeded, keys.failed];
}

/** Counter of a tenant's batch items not final yet (fair-share priorities): '{fleetsign}:backlog:<tenant>'. */
export function tenantBacklogRedisKey(prefix: string, tenant: string): string {
  return `${prefix}:backlog:${tenant}`;
}

/** Field names of the batch record hash. */
export const BatchField = {
  tenant: 'tenant',
  profile: 'profile',
  total: 'total',
  createdAt: 'createdAt',
  requestHash: 'requestHash',
  requester: 'requester',
  requesterIssuer: 'requesterIssuer',
  webhookUrl: 'webhookUrl',
  metadata: 'metadata',
  fresh: 'fresh',
  /** 'queued' until the manifest is written, then 'completed'. */
  state: 'state',
  /** Items whose sign jobs were added (enqueue progress, resumed by a replayed POST). */
  enqueued: 'enqueued',
  /** Items counted into the tenant backlog, and that backlog's size before the last counted chunk. */
  reserved: 'reserved',
  reservedBase: 'reservedBase',
  succeeded: 'succeeded',
  failed: 'failed',
  /** ISO time the last item became final (the manifest's completedAt). */
  lastItemAt: 'lastItemAt',
  /** ISO time the manifest was written. */
  finishedAt: 'finishedAt',
  manifestKey: 'manifestKey',
  /** '1' once the batch.completed webhook is enqueued: a late re-run of the completion adds no second one. */
  eventEnqueued: 'eventEnqueued',
  /** Profiles with approvals: JSON SignJobApproval, written when the approval ends (before the items are enqueued). */
  approval: 'approval',
} as const;

/** A batch record still open; extended while its jobs are added and its items finish. */
export const BATCH_PENDING_TTL_SECONDS = 30 * 24 * 3600;
/** A completed batch's state is kept a week, like its `batch` job (BATCH_QUEUE_RETENTION). */
export const BATCH_COMPLETED_TTL_SECONDS = 7 * 24 * 3600;

/** What the gateway stores when it accepts a batch. */
export interface NewBatchRecord {
  tenant: string;
  profile: string;
  total: number;
  createdAt: string;
  requestHash: string;
  /** The API key that submitted the batch (copied into every item's job data). */
  requester?: string;
  /** The OIDC issuer when `requester` is a token subject (copied like `requester`). */
  requesterIssuer?: string;
  webhookUrl?: string;
  metadata?: Record<string, string>;
  fresh?: boolean;
}

/** A batch record as read back. */
export interface BatchRecord extends NewBatchRecord {
  batchId: string;
  state: 'queued' | 'completed';
  enqueued: number;
  succeeded: number;
  failed: number;
  lastItemAt?: string;
  finishedAt?: string;
  manifestKey?: string;
  eventEnqueued?: boolean;
  /** The batch's one approval, once it ended (profiles with approvals). */
  approval?: SignJobApproval;
}

/** The hash fields of a new record, for HSET. */
export function newBatchRecordFields(record: NewBatchRecord): Record<string, string> {
  return {
    [BatchField.tenant]: record.tenant,
    [BatchField.profile]: record.profile,
    [BatchField.total]: String(record.total),
    [BatchField.createdAt]: record.createdAt,
    [BatchField.requestHash]: record.requestHash,
    [BatchField.state]: 'queued',
    [BatchField.enqueued]: '0',
    [BatchField.succeeded]: '0',
    [BatchField.failed]: '0',
    ...(record.requester ? { [BatchField.requester]: record.requester } : {}),
    ...(record.requesterIssuer ? { [BatchField.requesterIssuer]: record.requesterIssuer } : {}),
    ...(record.webhookUrl ? { [BatchField.webhookUrl]: record.webhookUrl } : {}),
    ...(record.metadata ? { [BatchField.metadata]: JSON.stringify(record.metadata) } : {}),
    ...(record.fresh ? { [BatchField.fresh]: '1' } : {}),
  };
}

function count(value: string | undefined): number {
  const parsed = Number(value ?? 0);
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : 0;
}

/** Reads a record hash (HGETALL); undefined when the batch does not exist. */
export function parseBatchRecord(batchId: string, hash: Record<string, string>): BatchRecord | undefined {
  const tenant = hash[BatchField.tenant];
  const profile = hash[BatchField.profile];
  if (!tenant || !profile) return undefined;
  const optional = (field: string) => (hash[field] ? hash[field] : undefined);
  const metadata = optional(BatchField.metadata);
  return {
    batchId,
    tenant,
    profile,
    total: count(hash[BatchField.total]),
    createdAt: hash[BatchField.createdAt] ?? '',
    requestHash: hash[BatchField.requestHash] ?? '',
    state: hash[BatchField.state] === 'completed' ? 'completed' : 'queued',
    enqueued: count(hash[BatchField.enqueued]),
    succeeded: count(hash[BatchField.succeeded]),
    failed: count(hash[BatchField.failed]),
    ...(optional(BatchField.requester) ? { requester: hash[BatchField.requester] } : {}),
    ...(optional(BatchField.requesterIssuer) ? { requesterIssuer: hash[BatchField.requesterIssuer] } : {}),
    ...(optional(BatchField.webhookUrl) ? { webhookUrl: hash[BatchField.webhookUrl] } : {}),
    ...(metadata ? { metadata: JSON.parse(metadata) as Record<string, string> } : {}),
    ...(hash[BatchField.fresh] === '1' ? { fresh: true } : {}),
    ...(optional(BatchField.lastItemAt) ? { lastItemAt: hash[BatchField.lastItemAt] } : {}),
    ...(optional(BatchField.finishedAt) ? { finishedAt: hash[BatchField.finishedAt] } : {}),
    ...(optional(BatchField.manifestKey) ? { manifestKey: hash[BatchField.manifestKey] } : {}),
    ...(hash[BatchField.eventEnqueued] === '1' ? { eventEnqueued: true } : {}),
    ...(optional(BatchField.approval) ? { approval: JSON.parse(hash[BatchField.approval]) as SignJobApproval } : {}),
  };
}

/** The item list entry of an item: compact JSON `[name, sourceKey]`. */
export function encodeBatchItem(item: BatchItemEntry): string {
  return JSON.stringify([item.name, item.sourceKey]);
}

/** Reads an item list entry. */
export function decodeBatchItem(text: string): BatchItemEntry {
  const parsed = JSON.parse(text) as unknown;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string') {
    throw new TypeError('batch item entry is not [name, sourceKey]');
  }
  return { name: parsed[0], sourceKey: parsed[1] };
}

/** The stored form of an item outcome (JSON). */
export function encodeItemOutcome(outcome: BatchItemOutcome): string {
  return JSON.stringify(outcome);
}

/** Reads a stored item outcome. */
export function decodeItemOutcome(text: string): BatchItemOutcome {
  const parsed = JSON.parse(text) as BatchItemOutcome;
  if (parsed?.state !== 'succeeded' && parsed?.state !== 'failed')
    throw new TypeError('batch item outcome has no final state');
  return parsed;
}
