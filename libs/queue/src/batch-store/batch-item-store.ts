import type { Redis } from 'ioredis';
import type { BatchItemEntry, BatchItemOutcome } from '../batch-job';
import {
  BATCH_COMPLETED_TTL_SECONDS,
  BatchField,
  type BatchRecord,
  type BatchRedisKeys,
  allBatchRedisKeys,
  batchRedisKeys,
  decodeBatchItem,
  decodeItemOutcome,
  encodeItemOutcome,
  parseBatchRecord,
  tenantBacklogRedisKey,
} from '../batch-state';

// Marks an item active unless it is final already (a repeated delivery of a finished item).
const MARK_ACTIVE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('SADD', KEYS[3], ARGV[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[3], ttl) end
return 1
`;

// Records an item's final outcome once (HSETNX on its index): BullMQ may deliver an item
// again, and a repeat must neither count it twice nor release the tenant backlog twice.
// Answers {counted, final items, total}; -1 when the batch record is gone.
const RECORD_OUTCOME_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0, 0} end
local counted = redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
if counted == 1 then
  redis.call('SREM', KEYS[3], ARGV[1])
  local finalSet = KEYS[4]
  if ARGV[3] == '${BatchField.failed}' then finalSet = KEYS[5] end
  redis.call('ZADD', finalSet, tonumber(ARGV[1]), ARGV[1])
  redis.call('HINCRBY', KEYS[1], ARGV[3], 1)
  if redis.call('DECR', KEYS[6]) <= 0 then redis.call('DEL', KEYS[6]) end
  local ttl = redis.call('TTL', KEYS[1])
  if ttl > 0 then
    for i = 2, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
  end
end
local final = tonumber(redis.call('HGET', KEYS[1], '${BatchField.succeeded}') or '0') + tonumber(redis.call('HGET', KEYS[1], '${BatchField.failed}') or '0')
local total = tonumber(redis.call('HGET', KEYS[1], '${BatchField.total}') or '0')
if final >= total then redis.call('HSETNX', KEYS[1], '${BatchField.lastItemAt}', ARGV[4]) end
return {counted, final, total}
`;

// Marks the batch completed (the first finish time stays) and keeps its state a week.
const MARK_COMPLETED_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSETNX', KEYS[1], '${BatchField.finishedAt}', ARGV[1])
redis.call('HSET', KEYS[1], '${BatchField.state}', 'completed', '${BatchField.manifestKey}', ARGV[2])
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return 1
`;

type RedisWithItemScripts = Redis & {
  fleetsignBatchItemActive(record: string, results: string, active: string, index: number): Promise<number>;
  fleetsignBatchItemOutcome(
    record: string,
    results: string,
    active: string,
    succeeded: string,
    failed: string,
    backlog: string,
    index: number,
    outcome: string,
    field: string,
    now: string,
  ): Promise<[number, number, number]>;
  fleetsignBatchCompleted(...args: Array<string | number>): Promise<number>;
};

/** What recording an outcome found. */
export interface RecordedOutcome {
  /** False when the item had been counted before (a repeated delivery), or the batch is gone. */
  counted: boolean;
  /** False when the batch record no longer exists (expired). */
  batchExists: boolean;
  /** Items final so far, and the batch size. */
  final: number;
  total: number;
}

/** One item with its recorded outcome, for the manifest. */
export interface FinishedItem extends BatchItemEntry {
  index: number;
  outcome: BatchItemOutcome;
}

/** The signer's side of a batch's Redis state: item activity, outcomes, and completion (the gateway's is BatchStore). */
export class BatchItemStore {
  private readonly redis: RedisWithItemScripts;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('fleetsignBatchItemActive', { numberOfKeys: 3, lua: MARK_ACTIVE_SCRIPT });
    redis.defineCommand('fleetsignBatchItemOutcome', { numberOfKeys: 6, lua: RECORD_OUTCOME_SCRIPT });
    redis.defineCommand('fleetsignBatchCompleted', { numberOfKeys: 6, lua: MARK_COMPLETED_SCRIPT });
    this.redis = redis as RedisWithItemScripts;
  }

  private keys(batchId: string): BatchRedisKeys {
    return batchRedisKeys(this.prefix, batchId);
  }

  /** Notes that a signer works on item `index` (shown as active until its outcome is recorded). */
  async markActive(batchId: string, index: number): Promise<void> {
    const keys = this.keys(batchId);
    await this.redis.fleetsignBatchItemActive(keys.record, keys.results, keys.active, index);
  }

  /** Records item `index`'s final outcome, once; releases one item of the tenant's backlog when it counts. */
  async recordOutcome(
    batchId: string,
    tenant: string,
    index: number,
    outcome: BatchItemOutcome,
    now = new Date(),
  ): Promise<RecordedOutcome> {
    const keys = this.keys(batchId);
    const [counted, final, total] = await this.redis.fleetsignBatchItemOutcome(
      keys.record,
      keys.results,
      keys.active,
      keys.succeeded,
      keys.failed,
      tenantBacklogRedisKey(this.prefix, tenant),
      index,
      encodeItemOutcome(outcome),
      outcome.state === 'succeeded' ? BatchField.succeeded : BatchField.failed,
      now.toISOString(),
    );
    return { counted: counted === 1, batchExists: counted !== -1, final, total };
  }

  /** The batch record; undefined when unknown (or expired). */
  async record(batchId: string): Promise<BatchRecord | undefined> {
    return parseBatchRecord(batchId, await this.redis.hgetall(this.keys(batchId).record));
  }

  /** Items `[start, start + count)` with their outcomes; an item without one is an error (the batch is not final). */
  async finishedItems(batchId: string, start: number, count: number): Promise<FinishedItem[]> {
    const keys = this.keys(batchId);
    const entries = await this.redis.lrange(keys.items, start, start + count - 1);
    if (entries.length === 0) return [];
    const outcomes = await this.redis.hmget(
      keys.results,
      ...entries.map((_, offset) => String(start + offset)),
    );
    return entries.map((entry, offset) => {
      const outcome = outcomes[offset];
      if (!outcome) throw new Error(`batch ${batchId} item ${start + offset} has no recorded outcome`);
      return { index: start + offset, ...decodeBatchItem(entry), outcome: decodeItemOutcome(outcome) };
    });
  }

  /** Notes that the batch's webhook event is enqueued. */
  async markEventEnqueued(batchId: string): Promise<void> {
    await this.redis.hset(this.keys(batchId).record, BatchField.eventEnqueued, '1');
  }

  /** Marks the batch completed with its manifest; its state is kept BATCH_COMPLETED_TTL_SECONDS from now. */
  async markCompleted(batchId: string, manifestKey: string, now = new Date()): Promise<void> {
    const keys = allBatchRedisKeys(this.keys(batchId));
    await this.redis.fleetsignBatchCompleted(
      ...keys,
      now.toISOString(),
      manifestKey,
      BATCH_COMPLETED_TTL_SECONDS,
    );
  }
}
