import { createRedisConnection } from '@fleetsign/queue';
import { KeyUsageLedger, keyUsageRedisKeys, readKeyUsage, type UsageKey } from '@fleetsign/queue/key-usage-ledger';
import type { Redis } from 'ioredis';
import { publishProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { generateKeyPairSync } from 'node:crypto';
import { profileKeyUsage } from '../../../apps/gateway/src/profiles/profile-usage';
import { requireTestEnv } from '../../support/test-env';
import { uniquePrefix } from '../notifier/notifier-test-kit';

// The key usage ledger's scripts on a real Redis: all-or-none reservations, racing
// reservations from two connections, idempotency per job, refunds, the sliding window,
// and the 'rebuild' answer when a count is missing.

const DIGEST_A = 'a'.repeat(64);
const DIGEST_B = 'b'.repeat(64);
const T0 = Date.UTC(2026, 11, 5, 12);

let redis: Redis;
let other: Redis;
let prefix: string;

beforeAll(() => {
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  other = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
});

beforeEach(() => {
  prefix = uniquePrefix('key-usage');
});

afterAll(async () => {
  await redis.quit();
  await other.quit();
});

function key(digest: string, rule: UsageKey['rule'], index = 0): UsageKey {
  return { index, keyDigestSha256: digest, rule };
}

describe('KeyUsageLedger', () => {
  it("answers 'rebuild' for a key without a count and writes nothing", async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await expect(ledger.reserve('job_1', [key(DIGEST_A, { maxSignatures: 2 })], T0)).resolves.toEqual({ verdict: 'rebuild', index: 0 });
    expect(await redis.exists(keyUsageRedisKeys(prefix, DIGEST_A).job('job_1'))).toBe(0);
    expect(await ledger.isCounted(DIGEST_A)).toBe(false);
  });

  it('counts up to max_signatures, counts a retried job once and refuses the next job', async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await ledger.restore(DIGEST_A, 0, []);
    const limited = [key(DIGEST_A, { maxSignatures: 2 })];
    await expect(ledger.reserve('job_1', limited, T0)).resolves.toEqual({ verdict: 'ok', keys: [{ index: 0, count: 1, used: 1 }] });
    // A retry of job_1 gets its reservation back.
    await expect(ledger.reserve('job_1', limited, T0)).resolves.toEqual({ verdict: 'ok', keys: [{ index: 0, count: 1, used: 1 }] });
    await expect(ledger.reserve('job_2', limited, T0)).resolves.toEqual({ verdict: 'ok', keys: [{ index: 0, count: 2, used: 2 }] });
    await expect(ledger.reserve('job_3', limited, T0)).resolves.toEqual({ verdict: 'total-spent', index: 0, used: 2 });
    // The retry of a job that reserved before the limit was spent still passes.
    await expect(ledger.reserve('job_2', limited, T0)).resolves.toMatchObject({ verdict: 'ok' });
    expect(await readKeyUsage(redis, prefix, DIGEST_A, limited[0].rule, T0)).toEqual({ used: 2 });
  });

  it('reserves every key of a profile or none', async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await ledger.restore(DIGEST_A, 0, []);
    await ledger.restore(DIGEST_B, 4, []);
    const keys = [key(DIGEST_A, { maxSignatures: 10 }, 0), key(DIGEST_B, { maxSignatures: 5 }, 2)];
    await expect(ledger.reserve('job_1', keys, T0)).resolves.toEqual({
      verdict: 'ok',
      keys: [
        { index: 0, count: 1, used: 1 },
        { index: 2, count: 5, used: 5 },
      ],
    });
    await expect(ledger.reserve('job_2', keys, T0)).resolves.toEqual({ verdict: 'total-spent', index: 2, used: 5 });
    // Key 0 was not charged for the refused job.
    expect(await readKeyUsage(redis, prefix, DIGEST_A, {}, T0)).toEqual({ used: 1 });
  });

  it('two connections racing for the last signatures: exactly as many win as are left', async () => {
    const ledgers = [new KeyUsageLedger(redis, prefix), new KeyUsageLedger(other, prefix)];
    await ledgers[0].restore(DIGEST_A, 7, []);
    const limited = [key(DIGEST_A, { maxSignatures: 10 })];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => ledgers[i % 2].reserve(`job_${i}`, limited, T0)));
    const won = answers.filter((answer) => answer.verdict === 'ok');
    expect(won).toHaveLength(3);
    expect(won.map((answer) => (answer.verdict === 'ok' ? answer.keys[0].count : 0)).sort((a, b) => a - b)).toEqual([8, 9, 10]);
    expect(answers.filter((answer) => answer.verdict === 'total-spent')).toHaveLength(37);

    // The very last signature, raced for by one job on each connection.
    await ledgers[0].restore(DIGEST_B, 4, []);
    const last = [key(DIGEST_B, { maxSignatures: 5 })];
    const pair = await Promise.all([ledgers[0].reserve('job_x', last, T0), ledgers[1].reserve('job_y', last, T0)]);
    expect(pair.map((answer) => answer.verdict).sort()).toEqual(['ok', 'total-spent']);
  });

  it('gives back what the HSM did not sign, once', async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await ledger.restore(DIGEST_A, 0, []);
    const limited = [key(DIGEST_A, { maxSignatures: 1, window: { ms: 60_000, max: 1 } })];
    await expect(ledger.reserve('job_1', limited, T0)).resolves.toMatchObject({ verdict: 'ok' });
    await expect(ledger.refund('job_1', limited)).resolves.toBe(1);
    await expect(ledger.refund('job_1', limited)).resolves.toBe(0);
    expect(await readKeyUsage(redis, prefix, DIGEST_A, limited[0].rule, T0)).toEqual({ used: 0, usedInWindow: 0 });
    await expect(ledger.reserve('job_2', limited, T0)).resolves.toEqual({ verdict: 'ok', keys: [{ index: 0, count: 1, used: 1, usedInWindow: 1 }] });
  });

  it('keeps a sliding window: refuses past max within it, with the time the oldest signature leaves it', async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await ledger.restore(DIGEST_A, 0, []);
    const limited = [key(DIGEST_A, { window: { ms: 1000, max: 2 } })];
    await expect(ledger.reserve('job_1', limited, T0)).resolves.toMatchObject({ verdict: 'ok', keys: [{ usedInWindow: 1 }] });
    await expect(ledger.reserve('job_2', limited, T0 + 400)).resolves.toMatchObject({ verdict: 'ok', keys: [{ usedInWindow: 2 }] });
    await expect(ledger.reserve('job_3', limited, T0 + 999)).resolves.toEqual({ verdict: 'window-spent', index: 0, usedInWindow: 2, retryAt: T0 + 1000 });
    // job_1 has left the window; job_2 is still in it.
    await expect(ledger.reserve('job_3', limited, T0 + 1000)).resolves.toEqual({ verdict: 'ok', keys: [{ index: 0, count: 3, used: 3, usedInWindow: 2 }] });
    await expect(ledger.reserve('job_4', limited, T0 + 1300)).resolves.toMatchObject({ verdict: 'window-spent', retryAt: T0 + 1400 });
    expect(await readKeyUsage(redis, prefix, DIGEST_A, limited[0].rule, T0 + 1401)).toEqual({ used: 3, usedInWindow: 1 });
  });

  it('restores a count once: a second restore (another signer) leaves the first one', async () => {
    const ledger = new KeyUsageLedger(redis, prefix);
    await expect(ledger.restore(DIGEST_A, 3, [{ jobId: 'job_old', at: T0 - 10 }])).resolves.toBe(true);
    await expect(ledger.restore(DIGEST_A, 9, [])).resolves.toBe(false);
    expect(await readKeyUsage(redis, prefix, DIGEST_A, { window: { ms: 1000, max: 5 } }, T0)).toEqual({ used: 3, usedInWindow: 1 });
  });
});

describe('profileKeyUsage (GET /v1/profiles)', () => {
  const publicKeyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const limits = [undefined, { maxSignatures: 5, window: { ms: 3_600_000, text: '1h', max: 2 } }];

  it('shows only the limits until a signer has published the keys', async () => {
    await expect(profileKeyUsage(redis, prefix, { name: 'rel', usageLimits: limits }, T0)).resolves.toEqual([
      { keyIndex: 1, maxSignatures: 5, window: { length: '1h', max: 2 } },
    ]);
    await expect(profileKeyUsage(redis, prefix, { name: 'free' }, T0)).resolves.toBeUndefined();
  });

  it('reads what the signers counted for each limited key of the profile', async () => {
    const keyRecord = (index: number, digest: string) => ({ index, algorithm: 'ecdsa-p256' as const, publicKeyPem, keyDigestSha256: digest, keyDigestEfuse: digest });
    await publishProfileKeys(redis, prefix, {
      profile: 'rel',
      scheme: 'sbv2-ecdsa-p256',
      publishedAt: new Date(T0).toISOString(),
      keys: [keyRecord(0, DIGEST_A), keyRecord(1, DIGEST_B)],
    });
    const ledger = new KeyUsageLedger(redis, prefix);
    await ledger.restore(DIGEST_B, 3, [{ jobId: 'job_old', at: T0 - 7_200_000 }]);
    await ledger.reserve('job_1', [key(DIGEST_B, limits[1] as UsageKey['rule'], 1)], T0 - 60_000);
    await expect(profileKeyUsage(redis, prefix, { name: 'rel', usageLimits: limits }, T0)).resolves.toEqual([
      { keyIndex: 1, maxSignatures: 5, used: 4, remaining: 1, window: { length: '1h', max: 2, used: 1, remaining: 1 } },
    ]);
  });
});
