import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@fleetsign/errors';
import type { KeyUsageFacts } from '@fleetsign/queue';
import { keyUsageRedisKeys } from '@fleetsign/queue/key-usage-ledger';
import { secureVersionRedisKey } from '../../../apps/signer/src/policy/secure-version-ledger';
import { buildEspImage, publicKeyDigestV2 } from '@fleetsign/secure-boot';
import type { Signer } from '../../../apps/signer/src';
import { startRedis, type RedisHandle } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';
import { type JobOutcome, SignerHarness, tokenKey } from './signer-test-kit';

// Key usage limits with real signers, a real SoftHSM2 key and a private Redis (wiped and
// restarted on purpose): two signers racing for the last signatures of a key, refusals
// that are permanent, reused results that cost nothing, and a limit that still holds
// after Redis lost every count (rebuilt from the transparency log).

const ESP32_C6 = 13;
const LIMIT = 3;
let redisServer: RedisHandle;
let harness: SignerHarness;
let signers: Signer[];
let keyDigest: string;
let seed = 0;

beforeAll(async () => {
  redisServer = await startRedis({ dir: join(mkdtempSync(join(requireTestEnv('tmpRoot'), 'key-usage-')), 'redis') });
  harness = new SignerHarness(redisServer.url);
  await harness.ready();
  const pin = harness.writeFile('pin', requireTestEnv('tokenPin'));
  const configPath = harness.writeConfig([
    { name: 'limited', scheme: 'sbv2-ecdsa-p256', keys: [{ ...tokenKey('p256', pin), usage_limit: { max_signatures: LIMIT } }], state: 'active' },
    { name: 'recovered', scheme: 'sbv2-ecdsa-p256', keys: [{ ...tokenKey('p256b', pin), usage_limit: { max_signatures: LIMIT, window: '1h', max: 10 } }], state: 'active' },
    {
      name: 'guarded',
      scheme: 'sbv2-rsa3072',
      keys: [{ ...tokenKey('rsa3072', pin), usage_limit: { max_signatures: 2 } }],
      anti_rollback: { monotonic: true },
      state: 'active',
    },
  ]);
  const env = { ...harness.env, FLEETSIGN_REDIS_ALLOW_VOLATILE: 'true' };
  signers = [
    await harness.startSigner(configPath, { env, config: { signer: { concurrency: 4 } } }),
    await harness.startSigner(configPath, { env, config: { signer: { concurrency: 4 } } }),
  ];
  keyDigest = digestOfProfileKey('limited');
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await redisServer?.stop();
});

function digestOfProfileKey(name: string): string {
  const profile = signers[0].registry.availableProfiles().find((p) => p.name === name);
  if (!profile) throw new Error(`profile ${name} did not open`);
  return publicKeyDigestV2(profile.keys[0].publicKey).toString('hex');
}

function newImage(): Buffer {
  seed += 1;
  return buildEspImage({ chipId: ESP32_C6, size: 8192, seed: 1000 + seed });
}

async function signAll(images: Buffer[], profile = 'limited'): Promise<JobOutcome[]> {
  const jobs = await Promise.all(images.map(async (image) => harness.addJob(profile, await harness.putSource(image))));
  return Promise.all(jobs.map((job) => harness.finished(job)));
}

function usageOf(outcome: JobOutcome): KeyUsageFacts[] | undefined {
  return outcome.state === 'completed' ? outcome.result.policy?.usage : undefined;
}

describe('key usage_limit across signers', () => {
  let signedImages: Buffer[] = [];

  it('two signers racing for the last signatures: exactly max_signatures jobs sign, the rest fail KEY_USAGE_LIMIT_REACHED at once', async () => {
    const images = Array.from({ length: 8 }, newImage);
    const outcomes = await signAll(images);
    const signed = outcomes.filter((outcome) => outcome.state === 'completed');
    signedImages = images.filter((_, i) => outcomes[i].state === 'completed');
    const refused = outcomes.filter((outcome) => outcome.state === 'failed');
    expect(signed).toHaveLength(LIMIT);
    expect(refused).toHaveLength(8 - LIMIT);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ code: ErrorCode.KeyUsageLimitReached });
      expect(outcome.state === 'failed' && outcome.message).toContain(`has made ${LIMIT} signatures; its usage_limit.max_signatures allows ${LIMIT}`);
    }
    // Each signature has its own place in the key's count; the last leaves none.
    const counts = signed.map((outcome) => usageOf(outcome)?.[0]);
    expect(counts.map((usage) => usage?.count).sort()).toEqual([1, 2, 3]);
    expect(counts.map((usage) => usage?.remaining).sort()).toEqual([0, 1, 2]);
    for (const usage of counts) expect(usage).toMatchObject({ keyIndex: 0, keyDigestSha256: keyDigest, maxSignatures: LIMIT });

    // Refusals are permanent: one attempt each.
    const failedJobs = await harness.signQueue.getFailed();
    expect(failedJobs).toHaveLength(8 - LIMIT);
    for (const job of failedJobs) expect(job.attemptsMade).toBe(1);

    // The log records the count with each signing.
    const entries = await harness.logEntries();
    expect(entries.filter((entry) => entry.kind === 'signed')).toHaveLength(LIMIT);
    expect(entries.map((entry) => (entry.policy?.usage as KeyUsageFacts[])[0].count).sort()).toEqual([1, 2, 3]);
    // The signer that made the last signature (or refused a job) reports the spent key.
    const metrics = await Promise.all(signers.map(async (signer) => (await fetch(`${signer.metricsUrl}/metrics`)).text()));
    expect(metrics.join('\n')).toMatch(/fleetsign_signer_key_signatures_remaining\{profile="limited",key="0",limit="total"[^}]*\} 0\n/);

  }, 60_000);

  it('an image signed before is handed out again without a new signature, so it costs nothing', async () => {
    const [outcome] = await signAll([signedImages[0]]);
    expect(outcome).toMatchObject({ state: 'completed', result: { reused: true } });
    expect(usageOf(outcome)).toBeUndefined();
  }, 30_000);

  it('still holds at max_signatures after Redis lost everything: the count is rebuilt from the log', async () => {
    await harness.redis.flushall();
    expect(await harness.redis.exists(keyUsageRedisKeys(harness.prefix, keyDigest).total)).toBe(0);
    const [outcome] = await signAll([newImage()]);
    expect(outcome).toMatchObject({ state: 'failed', code: ErrorCode.KeyUsageLimitReached });
    expect(await harness.redis.get(keyUsageRedisKeys(harness.prefix, keyDigest).total)).toBe(String(LIMIT));
  }, 30_000);

  it('a key that signed k < max_signatures before Redis was wiped signs only max_signatures - k more, also after a Redis restart', async () => {
    const digest = digestOfProfileKey('recovered');
    const before = await signAll([newImage(), newImage()], 'recovered');
    expect(before.map((outcome) => outcome.state)).toEqual(['completed', 'completed']);

    await harness.redis.flushall();
    const after = await signAll([newImage(), newImage()], 'recovered');
    expect(after.filter((outcome) => outcome.state === 'completed')).toHaveLength(1);
    expect(after.filter((outcome) => outcome.state === 'failed' && outcome.code === ErrorCode.KeyUsageLimitReached)).toHaveLength(1);
    const last = after.find((outcome) => outcome.state === 'completed') as JobOutcome;
    // The rebuilt window holds the signings made before the wipe too.
    expect(usageOf(last)).toEqual([
      { keyIndex: 0, keyDigestSha256: digest, count: 3, maxSignatures: LIMIT, remaining: 0, window: { length: '1h', max: 10, used: 3, remaining: 7 } },
    ]);

    // The spec's own queue connections see Redis go away for a moment.
    for (const queue of [harness.signQueue, harness.webhookQueue]) queue.on('error', () => undefined);
    await redisServer.restart();
    const [restarted] = await signAll([newImage()], 'recovered');
    expect(restarted).toMatchObject({ state: 'failed', code: ErrorCode.KeyUsageLimitReached });
    expect(await harness.redis.get(keyUsageRedisKeys(harness.prefix, digest).total)).toBe(String(LIMIT));
  }, 60_000);

  it('a policy refusal gives the reservation back, and a usage refusal records nothing for anti-rollback', async () => {
    const app = (secureVersion: number) => buildEspImage({ chipId: 9, size: 8192, seed: 2000 + secureVersion, secureVersion, projectName: 'door-lock' });
    const [first] = await signAll([app(5)], 'guarded');
    expect(first).toMatchObject({ state: 'completed', result: { policy: { usage: [{ count: 1, remaining: 1 }] } } });
    const [rollback] = await signAll([app(3)], 'guarded');
    expect(rollback).toMatchObject({ state: 'failed', code: ErrorCode.SecureVersionTooLow });
    const [second] = await signAll([app(6)], 'guarded');
    expect(second).toMatchObject({ state: 'completed', result: { policy: { usage: [{ count: 2, remaining: 0 }], previousSecureVersion: 5 } } });
    const [spent] = await signAll([app(7)], 'guarded');
    expect(spent).toMatchObject({ state: 'failed', code: ErrorCode.KeyUsageLimitReached });
    // Version 7 was never signed, so it is not the project's highest.
    expect(await harness.redis.hget(secureVersionRedisKey(harness.prefix, 'guarded'), 'door-lock')).toBe('6');
  }, 60_000);
});
