import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyUsageLedger } from '@fleetsign/queue/key-usage-ledger';
import type { LogEntry } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import type { LogStore } from '../transparency-log/log-store';

// When Redis lost a limited key's count (a wipe, a restore from an old snapshot, a new
// Redis), the count is rebuilt from the transparency log, the signing record that lives in
// the object store: every `signed` entry naming the key's digest is one signature. One
// signer rebuilds at a time (a lease in Redis); the others wait and then find the count.

/** A key whose count is to be rebuilt, and the window its limit looks back over. */
export interface KeyToRecount {
  keyDigestSha256: string;
  /** Window length (ms) of the key's limit; signings newer than now - windowMs go back into the window. */
  windowMs?: number;
}

/** What one key's recount found. */
export interface Recount {
  used: number;
  window: Array<{ jobId: string; at: number }>;
}

/** How long the rebuild lease lasts unless renewed (it is renewed after each group read). */
const REBUILD_LEASE_MS = 30_000;
/** How long a signer waits for another one's rebuild before its job attempt fails (and retries). */
const REBUILD_WAIT_MS = 120_000;
/** Most log groups read in one recount: far above any log this service writes. */
const MAX_GROUPS = 100_000_000;

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type RedisWithLease = Redis & {
  fleetsignUsageLeaseRenew(key: string, token: string, ms: number): Promise<number>;
  fleetsignUsageLeaseRelease(key: string, token: string): Promise<number>;
};

/** Counts the `signed` entries of each key in the log, from the first group to the last. */
export async function recountFromLog(
  log: Pick<LogStore, 'readGroup'>,
  keys: readonly KeyToRecount[],
  now: number,
  afterGroup: () => Promise<void> = async () => undefined,
): Promise<Map<string, Recount>> {
  const counts = new Map(keys.map((key) => [key.keyDigestSha256, { used: 0, window: [] } as Recount]));
  const windowOf = new Map(keys.map((key) => [key.keyDigestSha256, key.windowMs]));
  let start = 0;
  for (let groups = 0; groups < MAX_GROUPS; groups++) {
    const group = await log.readGroup(start);
    if (!group) return counts;
    for (const entry of group.entries) countEntry(entry, counts, windowOf, now);
    start += group.entries.length;
    await afterGroup();
  }
  throw new FleetSignError(ErrorCode.Internal, `the transparency log has more than ${MAX_GROUPS} groups; key usage not recounted`);
}

function countEntry(entry: LogEntry, counts: Map<string, Recount>, windowOf: Map<string, number | undefined>, now: number): void {
  // A reused entry made no HSM operation.
  if (entry.kind !== 'signed') return;
  for (const key of entry.keys) {
    const count = counts.get(key.keyDigestSha256);
    if (!count) continue;
    count.used += 1;
    const windowMs = windowOf.get(key.keyDigestSha256);
    const at = Date.parse(entry.time);
    if (windowMs !== undefined && Number.isFinite(at) && at > now - windowMs) count.window.push({ jobId: entry.jobId, at });
  }
}

/** Rebuilds missing key counts from the log, one signer at a time. */
export class UsageRecovery {
  private readonly redis: RedisWithLease;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly ledger: Pick<KeyUsageLedger, 'isCounted' | 'restore'>,
    private readonly log: Pick<LogStore, 'readGroup'>,
    private readonly now: () => number = Date.now,
  ) {
    redis.defineCommand('fleetsignUsageLeaseRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    redis.defineCommand('fleetsignUsageLeaseRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.redis = redis as RedisWithLease;
  }

  private get leaseKey(): string {
    return `${this.prefix}:key-usage:rebuild-lease`;
  }

  /** Makes sure each key has a count: rebuilds the missing ones from the log; returns the digests this call rebuilt. */
  async ensureCounted(keys: readonly KeyToRecount[]): Promise<string[]> {
    const token = randomBytes(16).toString('hex');
    const deadline = this.now() + REBUILD_WAIT_MS;
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      const missing = await this.missing(keys);
      if (missing.length === 0) return [];
      if ((await this.redis.set(this.leaseKey, token, 'PX', REBUILD_LEASE_MS, 'NX')) === 'OK') break;
      if (this.now() > deadline) throw new FleetSignError(ErrorCode.Internal, 'key usage is being rebuilt from the transparency log by another signer; retrying');
      await delay(wait);
    }
    try {
      // Another signer may have finished between the check and the lease.
      const missing = await this.missing(keys);
      if (missing.length === 0) return [];
      const now = this.now();
      const counts = await recountFromLog(this.log, missing, now, async () => {
        if ((await this.redis.fleetsignUsageLeaseRenew(this.leaseKey, token, REBUILD_LEASE_MS)) !== 1) {
          throw new FleetSignError(ErrorCode.Internal, 'lost the key usage rebuild lease while reading the transparency log');
        }
      });
      const rebuilt: string[] = [];
      for (const [digest, count] of counts) if (await this.ledger.restore(digest, count.used, count.window)) rebuilt.push(digest);
      return rebuilt;
    } finally {
      await this.redis.fleetsignUsageLeaseRelease(this.leaseKey, token).catch(() => undefined);
    }
  }

  private async missing(keys: readonly KeyToRecount[]): Promise<KeyToRecount[]> {
    const counted = await Promise.all(keys.map((key) => this.ledger.isCounted(key.keyDigestSha256)));
    return keys.filter((_, i) => !counted[i]);
  }
}
