import { createRedisConnection } from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import { SecureVersionLedger, secureVersionRedisKey } from '../../../apps/signer/src/policy/secure-version-ledger';
import { requireTestEnv } from '../../support/test-env';
import { uniquePrefix } from '../notifier/notifier-test-kit';

// The anti-rollback ledger's script on a real Redis: floor, monotonic, step, per project,
// and signers deciding at once.

let redis: Redis;
let other: Redis;
let prefix: string;

beforeAll(() => {
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  other = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
});

beforeEach(() => {
  prefix = uniquePrefix('secure-version');
});

afterAll(async () => {
  await redis.quit();
  await other.quit();
});

describe('SecureVersionLedger', () => {
  const rule = { minSecureVersion: 2, monotonic: true, maxStep: 2 };

  it('refuses below the floor, then keeps the highest signed version per project and refuses going back', async () => {
    const ledger = new SecureVersionLedger(redis, prefix);
    await expect(ledger.checkAndRaise('rel', 'lock', 1, rule)).resolves.toEqual({ verdict: 'below-floor', floor: 2 });
    expect(await ledger.highest('rel', 'lock')).toBeUndefined();

    await expect(ledger.checkAndRaise('rel', 'lock', 3, rule)).resolves.toEqual({ verdict: 'ok' });
    await expect(ledger.checkAndRaise('rel', 'lock', 3, rule)).resolves.toEqual({ verdict: 'ok', previous: 3 });
    await expect(ledger.checkAndRaise('rel', 'lock', 2, rule)).resolves.toEqual({ verdict: 'below-highest', previous: 3 });
    expect(await ledger.highest('rel', 'lock')).toBe(3);
    // Another project and another profile have histories of their own.
    await expect(ledger.checkAndRaise('rel', 'thermostat', 2, rule)).resolves.toEqual({ verdict: 'ok' });
    await expect(ledger.checkAndRaise('beta', 'lock', 2, rule)).resolves.toEqual({ verdict: 'ok' });
    expect(await redis.hgetall(secureVersionRedisKey(prefix, 'rel'))).toEqual({ lock: '3', thermostat: '2' });
  });

  it('bounds the step from the highest signed version, or from the floor when none was signed', async () => {
    const ledger = new SecureVersionLedger(redis, prefix);
    await expect(ledger.checkAndRaise('rel', 'lock', 5, rule)).resolves.toEqual({ verdict: 'step', base: 2, maxStep: 2 });
    await expect(ledger.checkAndRaise('rel', 'lock', 4, rule)).resolves.toEqual({ verdict: 'ok' });
    await expect(ledger.checkAndRaise('rel', 'lock', 7, rule)).resolves.toEqual({ verdict: 'step', base: 4, maxStep: 2, previous: 4 });
    await expect(ledger.checkAndRaise('rel', 'lock', 6, rule)).resolves.toEqual({ verdict: 'ok', previous: 4 });
    expect(await ledger.highest('rel', 'lock')).toBe(6);
  });

  it('without monotonic signs older versions above the floor but never lowers the highest', async () => {
    const ledger = new SecureVersionLedger(redis, prefix);
    const loose = { minSecureVersion: 1, monotonic: false };
    await expect(ledger.checkAndRaise('rel', 'lock', 9, loose)).resolves.toEqual({ verdict: 'ok' });
    await expect(ledger.checkAndRaise('rel', 'lock', 4, loose)).resolves.toEqual({ verdict: 'ok', previous: 9 });
    expect(await ledger.highest('rel', 'lock')).toBe(9);
  });

  it('lets exactly one of two signers racing with a lower and a higher version after it pass a monotonic rule', async () => {
    // Two signer processes hold separate connections; the script runs atomically on Redis.
    const a = new SecureVersionLedger(redis, prefix);
    const b = new SecureVersionLedger(other, prefix);
    const monotonic = { monotonic: true };
    for (let round = 0; round < 20; round++) {
      const low = 10 * round + 1;
      const high = low + 1;
      const [first, second] = await Promise.all([a.checkAndRaise('rel', `p${round}`, low, monotonic), b.checkAndRaise('rel', `p${round}`, high, monotonic)]);
      // Whatever the order, the higher version always passes; the lower one passes only when it came first.
      expect(second.verdict).toBe('ok');
      if (first.verdict === 'ok') expect(second).toEqual({ verdict: 'ok', previous: low });
      else expect(first).toEqual({ verdict: 'below-highest', previous: high });
      expect(await a.highest('rel', `p${round}`)).toBe(high);
    }
  });
});
