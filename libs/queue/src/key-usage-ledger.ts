import type { Redis } from 'ioredis';

// How many signatures each limited key has made, kept in Redis next to the queues (same
// {hash tag}: one script may touch every key of a profile on a cluster). Keys are counted
// by their public-key digest, so one HSM key used by two profiles has one count. The
// signer reserves before the HSM operation (check + increment in one script: two signers
// racing for the last signature, exactly one wins), refunds what the HSM did not sign,
// and rebuilds a missing count from the transparency log; the gateway only reads.
//
// Per key digest:
//   <base>:total        string  signatures counted in all (absent: unknown, rebuild first)
//   <base>:window       zset    job id -> reservation time (ms) within the sliding window
//   <base>:job:<jobId>  string  the job's reservation (its count), so a retried job never counts twice
// where <base> is `${prefix}:key-usage:<keyDigestSha256>`.

/** A key's usage limit as the ledger applies it (structurally the config's UsageLimitConfig). */
export interface KeyUsageRule {
  maxSignatures?: number;
  /** At most `max` signatures within any `ms` (sliding window: exact, kept as a sorted set). */
  window?: { ms: number; max: number };
}

/** How long a job's reservation is remembered: longer than any retry horizon (at most 7 days). */
export const USAGE_RESERVATION_TTL_MS = 8 * 24 * 3600 * 1000;

/** The Redis keys of one key's usage. */
export interface KeyUsageRedisKeys {
  total: string;
  window: string;
  /** The reservation of job `jobId`. */
  job(jobId: string): string;
  /** Lease of the signer rebuilding the count from the log. */
  rebuildLease: string;
}

/** Keys of the usage of the key whose public-key digest is `keyDigestSha256` (hex). */
export function keyUsageRedisKeys(prefix: string, keyDigestSha256: string): KeyUsageRedisKeys {
  const base = `${prefix}:key-usage:${keyDigestSha256}`;
  return { total: `${base}:total`, window: `${base}:window`, job: (jobId) => `${base}:job:${jobId}`, rebuildLease: `${base}:rebuild-lease` };
}

// KEYS: per key (total, window, job). ARGV: jobId, now (ms), reservation TTL (ms), then per
// key: max total (-1: none), window ms (-1: none), max per window (-1: none).
// Nothing is written unless every key has room: {'rebuild', i} when key i has no count,
// {'total', i, used} / {'window', i, inWindow, oldestMs} when key i is spent, else
// {'ok', per key: count of this job's reservation, total, in window}.
const RESERVE_SCRIPT = `
local n = #KEYS / 3
local now = tonumber(ARGV[2])
for i = 0, n - 1 do
  if redis.call('EXISTS', KEYS[i * 3 + 1]) == 0 then return {'rebuild', i} end
end
for i = 0, n - 1 do
  local total, win, job = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local maxTotal, windowMs, windowMax = tonumber(ARGV[4 + i * 3]), tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3])
  if windowMs > 0 then redis.call('ZREMRANGEBYSCORE', win, '-inf', now - windowMs) end
  if redis.call('EXISTS', job) == 0 then
    local used = tonumber(redis.call('GET', total))
    if maxTotal >= 0 and used >= maxTotal then return {'total', i, used} end
    if windowMs > 0 then
      local inWindow = redis.call('ZCARD', win)
      if inWindow >= windowMax then
        local oldest = redis.call('ZRANGE', win, 0, 0, 'WITHSCORES')
        return {'window', i, inWindow, oldest[2] or '0'}
      end
    end
  end
end
local out = {'ok'}
for i = 0, n - 1 do
  local total, win, job = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  local count = redis.call('GET', job)
  if not count then
    count = redis.call('INCR', total)
    redis.call('SET', job, count, 'PX', ARGV[3])
    if tonumber(ARGV[5 + i * 3]) > 0 then redis.call('ZADD', win, now, ARGV[1]) end
  end
  table.insert(out, tonumber(count))
  table.insert(out, tonumber(redis.call('GET', total)))
  table.insert(out, redis.call('ZCARD', win))
end
return out
`;

// KEYS: per key (total, window, job). ARGV: jobId. Gives back the job's reservation on
// each key that has one; returns how many were given back.
const REFUND_SCRIPT = `
local refunded = 0
for i = 0, #KEYS / 3 - 1 do
  local total, win, job = KEYS[i * 3 + 1], KEYS[i * 3 + 2], KEYS[i * 3 + 3]
  if redis.call('DEL', job) == 1 then
    if redis.call('EXISTS', total) == 1 then redis.call('DECR', total) end
    redis.call('ZREM', win, ARGV[1])
    refunded = refunded + 1
  end
end
return refunded
`;

// KEYS: total, window. ARGV: count, then (score, member) pairs of the window. Sets the
// count unless another signer did first; 1 when this call set it.
const RESTORE_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
for i = 2, #ARGV, 2 do redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
`;

/** One limited key of a reservation. */
export interface UsageKey {
  /** Signature block index, for messages and facts. */
  index: number;
  keyDigestSha256: string;
  rule: KeyUsageRule;
}

/** A key's count after a reservation. */
export interface ReservedUsage {
  index: number;
  /** This signing's place among the key's signatures (1 = the first). */
  count: number;
  /** Signatures counted in all. */
  used: number;
  /** Signatures within the window (keys with a window limit). */
  usedInWindow?: number;
}

/** What the ledger answered to a reservation. */
export type ReserveVerdict =
  | { verdict: 'ok'; keys: ReservedUsage[] }
  /** The key has no count (Redis lost it, or it was never counted): rebuild it from the log, then reserve again. */
  | { verdict: 'rebuild'; index: number }
  | { verdict: 'total-spent'; index: number; used: number }
  /** `retryAt`: when the oldest signature in the window leaves it (ms since the epoch). */
  | { verdict: 'window-spent'; index: number; usedInWindow: number; retryAt: number };

/** A key's usage as read (gateway, metrics). */
export interface KeyUsageReading {
  /** Signatures counted in all; undefined until a signer has counted the key (after a Redis loss, at its next signing). */
  used?: number;
  /** Signatures within the window now (keys with a window limit and a count). */
  usedInWindow?: number;
}

type Raw = Array<string | number>;
type RedisWithUsage = Redis & {
  fleetsignUsageReserve(...args: Array<string | number>): Promise<Raw>;
  fleetsignUsageRefund(...args: Array<string | number>): Promise<number>;
  fleetsignUsageRestore(...args: Array<string | number>): Promise<number>;
};

/** The Redis calls reading usage needs (an ioredis connection or cluster client). */
export type KeyUsageReadRedis = Pick<Redis, 'get' | 'zcount'>;

/** Reads a key's usage without changing it; `now` places the window. */
export async function readKeyUsage(
  redis: KeyUsageReadRedis,
  prefix: string,
  keyDigestSha256: string,
  rule: KeyUsageRule,
  now: number,
): Promise<KeyUsageReading> {
  const keys = keyUsageRedisKeys(prefix, keyDigestSha256);
  const total = await redis.get(keys.total);
  if (total === null) return {};
  const reading: KeyUsageReading = { used: Number(total) };
  if (rule.window) reading.usedInWindow = await redis.zcount(keys.window, `(${now - rule.window.ms}`, '+inf');
  return reading;
}

/** Reserves, refunds and restores key usage counts: the signer's side. */
export class KeyUsageLedger {
  private readonly redis: RedisWithUsage;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('fleetsignUsageReserve', { lua: RESERVE_SCRIPT });
    redis.defineCommand('fleetsignUsageRefund', { lua: REFUND_SCRIPT });
    redis.defineCommand('fleetsignUsageRestore', { numberOfKeys: 2, lua: RESTORE_SCRIPT });
    this.redis = redis as RedisWithUsage;
  }

  private keyArgs(keys: readonly UsageKey[], jobId: string): string[] {
    return keys.flatMap((key) => {
      const layout = keyUsageRedisKeys(this.prefix, key.keyDigestSha256);
      return [layout.total, layout.window, layout.job(jobId)];
    });
  }

  /**
   * Reserves one signature of every key for `jobId`, all or none. A job that reserved
   * before (a retry) gets its earlier reservation back and counts nothing new.
   */
  async reserve(jobId: string, keys: readonly UsageKey[], now: number): Promise<ReserveVerdict> {
    if (keys.length === 0) return { verdict: 'ok', keys: [] };
    const limits = keys.flatMap((key) => [key.rule.maxSignatures ?? -1, key.rule.window?.ms ?? -1, key.rule.window?.max ?? -1]);
    const raw = await this.redis.fleetsignUsageReserve(keys.length * 3, ...this.keyArgs(keys, jobId), jobId, now, USAGE_RESERVATION_TTL_MS, ...limits);
    // Refusals name the position of the key in `keys`.
    const key = keys[Number(raw[1])];
    switch (raw[0]) {
      case 'rebuild':
        return { verdict: 'rebuild', index: key.index };
      case 'total':
        return { verdict: 'total-spent', index: key.index, used: Number(raw[2]) };
      case 'window':
        return { verdict: 'window-spent', index: key.index, usedInWindow: Number(raw[2]), retryAt: Number(raw[3]) + (key.rule.window?.ms ?? 0) };
      case 'ok':
        return {
          verdict: 'ok',
          keys: keys.map((key, i) => ({
            index: key.index,
            count: Number(raw[1 + i * 3]),
            used: Number(raw[2 + i * 3]),
            ...(key.rule.window ? { usedInWindow: Number(raw[3 + i * 3]) } : {}),
          })),
        };
      default:
        throw new Error(`key usage ledger answered ${String(raw[0])}`);
    }
  }

  /** Gives back the reservations of `jobId` on `keys` (keys the HSM did not sign with); returns how many were held. */
  async refund(jobId: string, keys: readonly Pick<UsageKey, 'keyDigestSha256'>[]): Promise<number> {
    if (keys.length === 0) return 0;
    const args = keys.flatMap((key) => {
      const layout = keyUsageRedisKeys(this.prefix, key.keyDigestSha256);
      return [layout.total, layout.window, layout.job(jobId)];
    });
    return this.redis.fleetsignUsageRefund(args.length, ...args, jobId);
  }

  /** True when the key has a count in Redis. */
  async isCounted(keyDigestSha256: string): Promise<boolean> {
    return (await this.redis.exists(keyUsageRedisKeys(this.prefix, keyDigestSha256).total)) === 1;
  }

  /**
   * Sets a key's count and window from a recount, unless another signer set it first
   * (true when this call did). `window`: job id and time (ms) of each signing still in it.
   */
  async restore(keyDigestSha256: string, used: number, window: ReadonlyArray<{ jobId: string; at: number }>): Promise<boolean> {
    const keys = keyUsageRedisKeys(this.prefix, keyDigestSha256);
    const pairs = window.flatMap((signing) => [signing.at, signing.jobId]);
    return (await this.redis.fleetsignUsageRestore(keys.total, keys.window, used, ...pairs)) === 1;
  }
}
