import type { Redis } from 'ioredis';
import type { BatchItemEntry, BatchItemOutcome } from '../batch-job';
import type { SignJobApproval } from '../approval';
import {
  BATCH_PENDING_TTL_SECONDS,
  BatchField,
  type BatchRecord,
  type BatchRedisKeys,
  type NewBatchRecord,
  batchRedisKeys,
  decodeBatchItem,
  decodeItemOutcome,
  newBatchRecordFields,
  parseBatchRecord,
  tenantBacklogRedisKey,
} from '../batch-state';

// Creates the record unless the batch exists; answers with the existing record's
// fingerprint and enqueue progress so a replayed request can be checked and resumed.
const CREATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGET', KEYS[1], '${BatchField.requestHash}') or '', redis.call('HGET', KEYS[1], '${BatchField.enqueued}') or '0'}
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return {1, '', '0'}
`;

// Appends a chunk of items to the list and counts them into the tenant backlog, once:
// a resumed enqueue finds the chunk reserved and gets the same backlog base back.
const RESERVE_SCRIPT = `
local from = tonumber(ARGV[1])
local to = tonumber(ARGV[2])
local reserved = tonumber(redis.call('HGET', KEYS[1], '${BatchField.reserved}') or '0')
if reserved >= to then
  return tonumber(redis.call('HGET', KEYS[1], '${BatchField.reservedBase}') or '0')
end
if reserved ~= from or redis.call('LLEN', KEYS[2]) ~= from then
  return redis.error_reply('batch enqueue resumed out of order')
end
redis.call('RPUSH', KEYS[2], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])
local count = to - from
local base = redis.call('INCRBY', KEYS[3], count) - count
redis.call('HSET', KEYS[1], '${BatchField.reserved}', to, '${BatchField.reservedBase}', base)
return base
`;

// Records enqueue progress; it only moves forward (two replays may run at once).
const ENQUEUED_SCRIPT = `
local current = tonumber(redis.call('HGET', KEYS[1], '${BatchField.enqueued}') or '0')
if tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], '${BatchField.enqueued}', ARGV[1]) end
return 1
`;

type CreateOutcome = [0 | 1, string, string];
type RedisWithBatchScripts = Redis & {
  fleetsignBatchCreate(record: string, ttl: number, ...fields: string[]): Promise<CreateOutcome>;
  fleetsignBatchReserve(
    record: string,
    items: string,
    backlog: string,
    from: number,
    to: number,
    ttl: number,
    ...entries: string[]
  ): Promise<number>;
  fleetsignBatchEnqueued(record: string, enqueued: number): Promise<number>;
};

/** Result of creating a batch record. */
export type CreatedRecord = { created: true } | { created: false; requestHash: string; enqueued: number };

/** One item with its outcome and whether a signer is on it. */
export interface StoredItem extends BatchItemEntry {
  index: number;
  outcome?: BatchItemOutcome;
  active: boolean;
}

/**
 * The gateway's side of a batch's Redis state: the record, the item list, enqueue
 * progress and reads. The signer's side (activity, outcomes, completion) is
 * BatchItemStore; both work on the one key layout of batch-state.ts.
 */
export class BatchStore {
  private readonly redis: RedisWithBatchScripts;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('fleetsignBatchCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
    redis.defineCommand('fleetsignBatchReserve', { numberOfKeys: 3, lua: RESERVE_SCRIPT });
    redis.defineCommand('fleetsignBatchEnqueued', { numberOfKeys: 1, lua: ENQUEUED_SCRIPT });
    this.redis = redis as RedisWithBatchScripts;
  }

  private keys(batchId: string): BatchRedisKeys {
    return batchRedisKeys(this.prefix, batchId);
  }

  /** Creates the record, or reports the existing one's fingerprint and progress. */
  async create(batchId: string, record: NewBatchRecord): Promise<CreatedRecord> {
    const fields = Object.entries(newBatchRecordFields(record)).flat();
    const [created, requestHash, enqueued] = await this.redis.fleetsignBatchCreate(
      this.keys(batchId).record,
      BATCH_PENDING_TTL_SECONDS,
      ...fields,
    );
    return created === 1 ? { created: true } : { created: false, requestHash, enqueued: Number(enqueued) };
  }

  /**
   * Appends items `[from, to)` (their encoded entries) and counts them into the tenant's
   * backlog; returns how many of the tenant's batch items were waiting before `from`.
   */
  reserveChunk(
    batchId: string,
    tenant: string,
    from: number,
    to: number,
    entries: string[],
  ): Promise<number> {
    const keys = this.keys(batchId);
    return this.redis.fleetsignBatchReserve(
      keys.record,
      keys.items,
      tenantBacklogRedisKey(this.prefix, tenant),
      from,
      to,
      BATCH_PENDING_TTL_SECONDS,
      ...entries,
    );
  }

  /** Records that the sign jobs of items `[0, enqueued)` exist. */
  async markEnqueued(batchId: string, enqueued: number): Promise<void> {
    await this.redis.fleetsignBatchEnqueued(this.keys(batchId).record, enqueued);
  }

  /** Records the batch's ended approval on its record, for the manifest and the batch.completed event. */
  async recordApproval(batchId: string, approval: SignJobApproval): Promise<void> {
    await this.redis.hset(this.keys(batchId).record, BatchField.approval, JSON.stringify(approval));
  }

  /** The batch record; undefined when unknown (or expired). */
  async record(batchId: string): Promise<BatchRecord | undefined> {
    return parseBatchRecord(batchId, await this.redis.hgetall(this.keys(batchId).record));
  }

  /** How many items signers are working on. */
  activeCount(batchId: string): Promise<number> {
    return this.redis.scard(this.keys(batchId).active);
  }

  /** Items `[start, start + limit)` in index order (fewer at the end of the list). */
  async itemsFrom(batchId: string, start: number, limit: number): Promise<StoredItem[]> {
    const keys = this.keys(batchId);
    const entries = await this.redis.lrange(keys.items, start, start + limit - 1);
    if (entries.length === 0) return [];
    const indexes = entries.map((_, offset) => String(start + offset));
    const [outcomes, active] = await Promise.all([
      this.redis.hmget(keys.results, ...indexes),
      this.redis.smismember(keys.active, ...indexes),
    ]);
    return entries.map((entry, offset) => ({
      index: start + offset,
      ...decodeBatchItem(entry),
      ...(outcomes[offset] ? { outcome: decodeItemOutcome(outcomes[offset]) } : {}),
      active: active[offset] === 1,
    }));
  }

  /** Up to `limit` items in one final state with index >= `start`, in index order. */
  async itemsInState(
    batchId: string,
    state: 'succeeded' | 'failed',
    start: number,
    limit: number,
  ): Promise<StoredItem[]> {
    const keys = this.keys(batchId);
    const indexes = await this.redis.zrangebyscore(keys[state], start, '+inf', 'LIMIT', 0, limit);
    if (indexes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const index of indexes) pipeline.lindex(keys.items, Number(index));
    pipeline.hmget(keys.results, ...indexes);
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    const outcomes = replies[indexes.length][1] as Array<string | null>;
    return indexes.flatMap((index, offset) => {
      const entry = replies[offset][1] as string | null;
      const outcome = outcomes[offset];
      if (entry === null || outcome === null) return [];
      return [
        {
          index: Number(index),
          ...decodeBatchItem(entry),
          outcome: decodeItemOutcome(outcome),
          active: false,
        },
      ];
    });
  }
}
