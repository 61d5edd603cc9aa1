import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createRedisConnection } from '@fleetsign/queue';
import { KeyUsageLedger, keyUsageRedisKeys } from '@fleetsign/queue/key-usage-ledger';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import { sampleEntry } from '@fleetsign/tlog/testing/sample-entry';
import type { Redis } from 'ioredis';
import { AppendLease, LogHeadCache, LogStore, TransparencyLog } from '../../../apps/signer/src';
import { KeyUsageGuard } from '../../../apps/signer/src/usage/key-usage-guard';
import { UsageRecovery } from '../../../apps/signer/src/usage/usage-recovery';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';
import { uniquePrefix } from '../notifier/notifier-test-kit';

// Rebuilding key usage from the transparency log (a real Redis, a real fs object store,
// entries appended by the signer's TransparencyLog): only `signed` entries of the key
// count, the window gets the recent ones back, two signers rebuilding at once restore the
// count once, and the guard refunds the keys the HSM did not sign with.

const KEY_A = 'a1'.repeat(32);
const KEY_B = 'b2'.repeat(32);
const NOW = Date.parse('2026-12-05T12:00:00.000Z');

let redis: Redis;
let other: Redis;
let store: ObjectStore;
let prefix: string;
let logStore: LogStore;

function keyEntry(digest: string, index = 0) {
  return { index, algorithm: 'ecdsa-p256', keyDigestSha256: digest, keyDigestEfuse: digest, keyRef: 'pkcs11:token=fwsign' };
}

beforeAll(async () => {
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  other = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  store = createObjectStore({
    driver: 'fs',
    root: mkdtempSync(join(requireTestEnv('tmpRoot'), 'usage-recovery-')),
    publicBaseUrl: 'http://127.0.0.1:1/',
    signingSecret: 'x'.repeat(32),
  });
  prefix = uniquePrefix('usage-recovery');
  const layout = new TestLog().layout;
  logStore = new LogStore(store, layout);
  const log = new TransparencyLog(logStore, new LogHeadCache(redis, prefix), new AppendLease(redis, prefix));
  const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
  // Key A: three signings (two within the last hour), one reused result; key B signs with A once.
  await log.append(sampleEntry('job_old', { keys: [keyEntry(KEY_A)], time: at(300) }));
  await log.append(sampleEntry('job_recent1', { keys: [keyEntry(KEY_A)], time: at(50) }));
  await log.append(sampleEntry('job_reused', { kind: 'reused', reusedFrom: 'job_recent1', keys: [keyEntry(KEY_A)], time: at(40) }));
  await log.append(sampleEntry('job_both', { keys: [keyEntry(KEY_A), keyEntry(KEY_B, 1)], time: at(10) }));
});

afterAll(async () => {
  await redis.quit();
  await other.quit();
  await store.close();
});

describe('UsageRecovery', () => {
  it('two signers rebuilding at once: the log is recounted and the count restored once', async () => {
    const recoveries = [redis, other].map((connection) => new UsageRecovery(connection, prefix, new KeyUsageLedger(connection, prefix), logStore, () => NOW));
    const keys = [
      { keyDigestSha256: KEY_A, windowMs: 3_600_000 },
      { keyDigestSha256: KEY_B, windowMs: undefined },
    ];
    const rebuilt = await Promise.all(recoveries.map((recovery) => recovery.ensureCounted(keys)));
    expect(rebuilt.flat().sort()).toEqual([KEY_A, KEY_B].sort());
    const layoutA = keyUsageRedisKeys(prefix, KEY_A);
    expect(await redis.get(layoutA.total)).toBe('3');
    expect(await redis.zrange(layoutA.window, 0, -1)).toEqual(['job_recent1', 'job_both']);
    expect(await redis.get(keyUsageRedisKeys(prefix, KEY_B).total)).toBe('1');
    // Counted keys are left alone.
    await expect(recoveries[0].ensureCounted(keys)).resolves.toEqual([]);
  });
});

describe('KeyUsageGuard', () => {
  const profile = (keys: string[]) => ({ name: 'release', keys: keys.map((digest, index) => ({ index, keyDigest: Buffer.from(digest, 'hex') })) }) as never;
  const limits = [{ maxSignatures: 5, window: { ms: 3_600_000, text: '1h', max: 3 } }, { maxSignatures: 100 }];

  function guard(now: number): KeyUsageGuard {
    const ledger = new KeyUsageLedger(redis, prefix);
    return new KeyUsageGuard({ ledger, recovery: new UsageRecovery(redis, prefix, ledger, logStore, () => now), limits: () => limits, redis, prefix, now: () => now });
  }

  it("reserves both keys, refunds only the one the HSM did not sign with, and refuses a spent window naming the setting and when it frees up", async () => {
    const usage = await guard(NOW).reserve('job_new', profile([KEY_A, KEY_B]));
    expect(usage).toEqual([
      { keyIndex: 0, keyDigestSha256: KEY_A, count: 4, maxSignatures: 5, remaining: 1, window: { length: '1h', max: 3, used: 3, remaining: 0 } },
      { keyIndex: 1, keyDigestSha256: KEY_B, count: 2, maxSignatures: 100, remaining: 98 },
    ]);
    // Key 0 signed, key 1 did not (the HSM failed): key 1 gets its signature back.
    await guard(NOW).refund('job_new', profile([KEY_A, KEY_B]), new Set([0]));
    expect(await redis.get(keyUsageRedisKeys(prefix, KEY_A).total)).toBe('4');
    expect(await redis.get(keyUsageRedisKeys(prefix, KEY_B).total)).toBe('1');

    const refused = await guard(NOW).reserve('job_next', profile([KEY_A, KEY_B])).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(FleetSignError);
    expect(refused).toMatchObject({ code: ErrorCode.KeyUsageLimitReached, details: { keyIndex: 0, window: '1h', max: 3, usedInWindow: 3 } });
    // job_recent1 (50 minutes ago) leaves the window 10 minutes from now.
    expect((refused as Error).message).toBe(
      `profile 'release' key 0 (${KEY_A.slice(0, 16)}…) has made 3 signatures in the last 1h; its usage_limit allows 3 per 1h (next one possible after 2026-12-05T12:10:00.000Z)`,
    );
  });
});
