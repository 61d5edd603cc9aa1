import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { type AuditEntry, type AuditRecord, auditRecordKey, type ChainHead, chainAuditEntry } from './audit-record';

// Appends a record and moves the chain head in one step, but only if the head is still
// the one the record was chained to (compare-and-set); a job that already has a record
// gets that record back instead. The record stays in Redis for a week so an attempt
// killed before it reached the object store writes the very same record on retry.
const APPEND_SCRIPT = `
local existing = redis.call('GET', KEYS[2])
if existing then return {'exists', existing} end
local head = redis.call('GET', KEYS[1])
if (head or '') ~= ARGV[1] then return {'moved', head or ''} end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', tonumber(ARGV[4]))
return {'appended', ARGV[3]}
`;

type AppendOutcome = ['exists' | 'moved' | 'appended', string];
type RedisWithAppend = Redis & {
  fleetsignAuditAppend(head: string, job: string, expected: string, next: string, record: string, ttl: number): Promise<AppendOutcome>;
};

/** How long a job's record stays in Redis after it was chained. */
export const AUDIT_PENDING_TTL_SECONDS = 7 * 24 * 3600;
/** Largest audit record read back from the object store. */
const MAX_RECORD_BYTES = 1024 * 1024;

/** Redis key of the chain head: `${prefix}:audit:head`. */
export function auditHeadRedisKey(prefix: string): string {
  return `${prefix}:audit:head`;
}

function auditJobRedisKey(prefix: string, jobId: string): string {
  return `${prefix}:audit:job:${jobId}`;
}

/** Parses a record or head written by the signer; Internal when it is not JSON. */
export function parseAuditJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new FleetSignError(ErrorCode.Internal, `${what} is not valid JSON`);
  }
}

/**
 * The audit trail: one record per job in the object store, chained by hash, with the
 * chain head in Redis. Appending is idempotent per job, and safe with many signers.
 */
export class AuditChain {
  private readonly redis: RedisWithAppend;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly store: ObjectStore,
    private readonly maxAttempts = 100,
  ) {
    redis.defineCommand('fleetsignAuditAppend', { numberOfKeys: 2, lua: APPEND_SCRIPT });
    this.redis = redis as RedisWithAppend;
  }

  /** The newest record's position, hash and key; undefined before the first record. */
  async head(): Promise<ChainHead | undefined> {
    const text = await this.redis.get(auditHeadRedisKey(this.prefix));
    return text === null ? undefined : parseAuditJson<ChainHead>(text, 'audit chain head');
  }

  /** The job's record if one was made, making sure it is in the object store. */
  async find(tenant: string, jobId: string): Promise<AuditRecord | undefined> {
    const key = auditRecordKey(tenant, jobId);
    try {
      const stored = await this.store.getBuffer(key, MAX_RECORD_BYTES);
      return parseAuditJson<AuditRecord>(stored.toString('utf8'), `audit record ${key}`);
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.SourceNotFound)) throw err;
    }
    const pending = await this.redis.get(auditJobRedisKey(this.prefix, jobId));
    if (pending === null) return undefined;
    await this.put(key, pending);
    return parseAuditJson<AuditRecord>(pending, `audit record of job ${jobId}`);
  }

  /**
   * Chains `entry` as the record of job `jobId` and stores it at `audit/<tenant>/<jobId>.json`.
   * When the job already has a record (an earlier attempt), that record is stored and returned.
   */
  async append(tenant: string, jobId: string, entry: AuditEntry): Promise<AuditRecord> {
    const key = auditRecordKey(tenant, jobId);
    const headKey = auditHeadRedisKey(this.prefix);
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const headText = await this.redis.get(headKey);
      const head = headText === null ? undefined : parseAuditJson<ChainHead>(headText, 'audit chain head');
      const chained = chainAuditEntry(entry, key, head);
      const [outcome, text] = await this.redis.fleetsignAuditAppend(
        headKey,
        auditJobRedisKey(this.prefix, jobId),
        headText ?? '',
        JSON.stringify(chained.head),
        JSON.stringify(chained.record),
        AUDIT_PENDING_TTL_SECONDS,
      );
      if (outcome === 'moved') continue; // another signer appended meanwhile: chain after its record
      await this.put(key, text);
      return outcome === 'appended' ? chained.record : parseAuditJson<AuditRecord>(text, `audit record of job ${jobId}`);
    }
    throw new FleetSignError(ErrorCode.Internal, `audit chain head kept moving; record for job ${jobId} not appended after ${this.maxAttempts} tries`);
  }

  private async put(key: string, recordJson: string): Promise<void> {
    // Re-putting the same bytes on a retry is harmless: the record is fixed once chained.
    await this.store.put(key, Buffer.from(recordJson, 'utf8'), { contentType: 'application/json' });
  }
}
