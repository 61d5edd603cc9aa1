import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { type AuditEntry, type AuditRecord, auditRecordKey, type ChainHead, chainAuditEntry } from './audit-record';

// Appends the records of several jobs in one step (a group commit) and moves the chain
// head once, but only if the head is still the one the first record was chained to
// (compare-and-set). Records go in order; a job that already has a record (an earlier
// attempt) stops the run there: the records before it are appended, its existing record
// is returned, and the records after it are chained again. A record stays in Redis for
// a week so an attempt killed before it reached the object store writes the very same
// record on retry.
// KEYS: head, then one job key per record. ARGV: expected head, TTL, then per record
// the head after it and the record.
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[1])
if (head or '') ~= ARGV[1] then return {'moved', head or ''} end
local ttl = tonumber(ARGV[2])
local count = #KEYS - 1
for i = 1, count do
  local existing = redis.call('GET', KEYS[i + 1])
  if existing then
    if i > 1 then redis.call('SET', KEYS[1], ARGV[2 * i - 1]) end
    return {'exists', tostring(i - 1), existing}
  end
  redis.call('SET', KEYS[i + 1], ARGV[2 * i + 2], 'EX', ttl)
end
redis.call('SET', KEYS[1], ARGV[2 * count + 1])
return {'appended', tostring(count)}
`;

type AppendOutcome = ['moved', string] | ['exists', string, string] | ['appended', string];
type RedisWithAppend = Redis & {
  fleetsignAuditAppend(keyCount: number, ...keysAndArgs: Array<string | number>): Promise<AppendOutcome>;
};

/** Records chained in one Redis round trip, at most. */
export const AUDIT_GROUP_MAX = 64;

/** An append waiting for its group commit. */
interface PendingAppend {
  jobId: string;
  key: string;
  entry: AuditEntry;
  done(committed: { text: string; record: AuditRecord }): void;
  fail(err: unknown): void;
}

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
 * Within one signer appends are queued and committed in groups: one Redis round trip
 * chains every record that arrived while the previous group was being committed.
 */
export class AuditChain {
  private readonly redis: RedisWithAppend;
  private readonly pending: PendingAppend[] = [];
  private committing = false;
  /** The head text ('' for an empty chain) as of this signer's last commit; undefined: read it from Redis. */
  private knownHead?: string;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly store: ObjectStore,
    private readonly maxAttempts = 100,
  ) {
    redis.defineCommand('fleetsignAuditAppend', { lua: APPEND_SCRIPT });
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
    const committed = await new Promise<{ text: string; record: AuditRecord }>((done, fail) => {
      this.pending.push({ jobId, key, entry, done, fail });
      if (!this.committing) void this.commitPending();
    });
    await this.put(key, committed.text);
    return committed.record;
  }

  /** Commits queued appends group by group until none is left; one group at a time keeps the chain in order. */
  private async commitPending(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.length > 0) await this.commitGroup(this.pending.splice(0, AUDIT_GROUP_MAX));
    } finally {
      this.committing = false;
    }
  }

  private async commitGroup(group: PendingAppend[]): Promise<void> {
    let rest = group;
    try {
      let head = this.knownHead ?? (await this.redis.get(auditHeadRedisKey(this.prefix))) ?? '';
      for (let attempt = 0; rest.length > 0; attempt++) {
        if (attempt >= this.maxAttempts) {
          throw new FleetSignError(ErrorCode.Internal, `audit chain head kept moving; ${rest.length} record(s) not appended after ${this.maxAttempts} tries`);
        }
        const chained = this.chain(rest, head);
        const outcome = await this.redis.fleetsignAuditAppend(
          1 + rest.length,
          auditHeadRedisKey(this.prefix),
          ...rest.map((item) => auditJobRedisKey(this.prefix, item.jobId)),
          head,
          AUDIT_PENDING_TTL_SECONDS,
          ...chained.flatMap((link) => [link.headText, link.text]),
        );
        if (outcome[0] === 'moved') {
          head = outcome[1]; // another signer appended meanwhile: chain after its record
          continue;
        }
        const appended = Number(outcome[1]);
        rest.slice(0, appended).forEach((item, i) => item.done(chained[i]));
        if (appended > 0) head = chained[appended - 1].headText;
        if (outcome[0] === 'appended') {
          rest = [];
        } else {
          const existing = outcome[2];
          rest[appended].done({ text: existing, record: parseAuditJson<AuditRecord>(existing, `audit record of job ${rest[appended].jobId}`) });
          rest = rest.slice(appended + 1);
        }
        this.knownHead = head;
      }
    } catch (err) {
      // Redis away, or a head that does not parse: read the head afresh next time.
      this.knownHead = undefined;
      for (const item of rest) item.fail(err);
    }
  }

  /** Links every entry of `items` after `headText` and after each other. */
  private chain(items: PendingAppend[], headText: string): Array<{ text: string; headText: string; record: AuditRecord }> {
    let head = headText === '' ? undefined : parseAuditJson<ChainHead>(headText, 'audit chain head');
    return items.map((item) => {
      const chained = chainAuditEntry(item.entry, item.key, head);
      head = chained.head;
      return { text: JSON.stringify(chained.record), headText: JSON.stringify(chained.head), record: chained.record };
    });
  }

  private async put(key: string, recordJson: string): Promise<void> {
    // Re-putting the same bytes on a retry is harmless: the record is fixed once chained.
    await this.store.put(key, Buffer.from(recordJson, 'utf8'), { contentType: 'application/json' });
  }
}
