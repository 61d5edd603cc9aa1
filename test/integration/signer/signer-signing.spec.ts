import { signCompletedDataSchema, signFailedDataSchema } from '@fleetsign/api';
import { createHash, createPublicKey } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { generateSigningKeyPem } from '@fleetsign/keys';
import { WebhookEventType } from '@fleetsign/queue';
import { readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { buildEspImage, publicKeyDigestV2, SECTOR_SIZE, verifyV1, verifyV2 } from '@fleetsign/secure-boot';
import { entryLeafHash, type LogEntry, openCheckpoint, verifyInclusion } from '@fleetsign/tlog';
import type { Signer } from '../../../apps/signer/src';
import { promtoolProblems } from '../../support/promtool';
import { requireTestEnv } from '../../support/test-env';
import { blockVerifiesWithNode, type JobOutcome, sha256Hex, SignerHarness, tokenKey } from './signer-test-kit';

// One signer with SoftHSM and PEM profiles, serving every case of this file, including
// a profile whose PIN is wrong next to profiles that work.

const ESP32 = 0;
const ESP32_S3 = 9;
const ESP32_C6 = 13;
const ESP32_C2 = 12;
const ESP32_C5 = 23;

const harness = new SignerHarness();
let signer: Signer;
const v1Pem = generateSigningKeyPem('ecdsa-p256');

beforeAll(async () => {
  await harness.ready();
  const pin = harness.writeFile('pin', `${requireTestEnv('tokenPin')}\n`);
  const wrongPin = harness.writeFile('wrong-pin', '999999\n');
  harness.writeFile('v1.pem', v1Pem);
  const config = harness.writeConfig([
    { name: 'rsa', scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072', pin)], state: 'active' },
    { name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', pin)], allowed_chips: ['ESP32-C6', 'ESP32-H2'], state: 'active' },
    { name: 'ec2', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', pin), tokenKey('p256b', pin)], state: 'active' },
    { name: 'p384', scheme: 'sbv2-ecdsa-p384', keys: [tokenKey('p384', pin)], state: 'active' },
    { name: 'c2', scheme: 'sbv2-ecdsa-p192', keys: [tokenKey('p192', pin)], allowed_chips: ['ESP32-C2'], state: 'active' },
    { name: 'v1', scheme: 'sbv1-ecdsa-p256', keys: [{ provider: 'pem', path: 'v1.pem' }], state: 'active' },
    { name: 'locked', scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072b', wrongPin)], state: 'active' },
    { name: 'retired', scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072', pin)], state: 'revoked' },
  ]);
  signer = await harness.startSigner(config);
});

afterAll(async () => {
  await harness.close();
});

async function sign(profile: string, image: Buffer, extra: Parameters<SignerHarness['addJob']>[2] = {}): Promise<{ jobId: string; outcome: JobOutcome }> {
  const job = await harness.addJob(profile, await harness.putSource(image), extra);
  return { jobId: job.id as string, outcome: await harness.finished(job) };
}

function completed(outcome: JobOutcome) {
  if (outcome.state !== 'completed') throw new Error(`job failed: ${outcome.code}: ${outcome.message}`);
  return outcome.result;
}

/** The job's log entry, found through its job pointer as the signer finds it. */
async function logEntryOf(jobId: string): Promise<LogEntry> {
  const found = await signer.log.find(jobId);
  if (!found) throw new Error(`job ${jobId} has no log entry`);
  return found.entry;
}

describe('signing with SoftHSM and PEM profiles', () => {
  it('signs an ESP32-S3 image with the RSA-3072 token key: the stored file verifies and the result describes it', async () => {
    const image = buildEspImage({ chipId: ESP32_S3, size: 70_000, seed: 11 });
    const { jobId, outcome } = await sign('rsa', image);
    const result = completed(outcome);
    const rsa = await signer.registry.acquire('rsa');
    const publicKey = rsa.keys[0].publicKey;

    const stored = await harness.store.getBuffer(result.signedKey);
    const padded = Buffer.concat([image, Buffer.alloc(73_728 - image.length, 0xff)]);
    expect(result).toMatchObject({
      signedKey: `signed/${harness.tenant}/${jobId}.bin`,
      signedSize: 73_728 + SECTOR_SIZE,
      signedDataLength: 73_728,
      signedSha256: sha256Hex(stored),
      imageSha256: sha256Hex(padded),
      scheme: 'sbv2-rsa3072',
      blocks: [{ index: 0, algorithm: 'rsa3072', keyDigest: publicKeyDigestV2(publicKey).toString('hex') }],
      log: { index: expect.any(Number), leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(result.reused).toBeUndefined();
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.signMs);
    expect(stored.length).toBe(result.signedSize);

    const report = verifyV2(stored, { publicKeys: [publicKey], imageLayout: 'require' });
    expect(report).toMatchObject({ valid: true, validBlocks: [0] });
    expect(blockVerifiesWithNode(stored, 0, 'rsa3072', publicKey)).toBe(true);

    const record = await logEntryOf(jobId);
    expect(entryLeafHash(record).toString('hex')).toBe(result.log.leafHash);
    expect(record).toMatchObject({
      seq: result.log.index,
      kind: 'signed',
      jobId,
      tenant: harness.tenant,
      profile: 'rsa',
      scheme: 'sbv2-rsa3072',
      chip: 'ESP32-S3',
      imageSha256: result.imageSha256,
      source: { sha256: sha256Hex(image), size: image.length },
      signed: { key: result.signedKey, sha256: result.signedSha256, size: result.signedSize },
    });
    expect(record.keys[0].keyRef).toMatch(/^pkcs11:token=.*;object=fw-rsa-3072$/);
    expect(JSON.stringify(record)).not.toContain(requireTestEnv('tokenPin') + '"');

    // A release job's result carries a checkpoint signed with the log key at once, and its inclusion proof.
    const tree = openCheckpoint(result.log.checkpoint as string, { origin: harness.log.origin, publicKey: createPublicKey(harness.log.keyPem) });
    expect(tree.size).toBeGreaterThan(result.log.index);
    const proof = (result.log.inclusionProof ?? []).map((h) => Buffer.from(h, 'hex'));
    expect(verifyInclusion(entryLeafHash(record), result.log.index, tree.size, proof, tree.rootHash)).toBe(true);
    expect(verifyInclusion(Buffer.alloc(32), result.log.index, tree.size, proof, tree.rootHash)).toBe(false);
  });

  it('signs with the ECDSA P-256 token key', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 12_000, seed: 12 });
    const result = completed((await sign('ec', image)).outcome);
    const ec = await signer.registry.acquire('ec');
    const stored = await harness.store.getBuffer(result.signedKey);
    expect(verifyV2(stored, { publicKeys: [ec.keys[0].publicKey] }).valid).toBe(true);
    expect(blockVerifiesWithNode(stored, 0, 'ecdsa-p256', ec.keys[0].publicKey)).toBe(true);
    expect(result.blocks).toEqual([{ index: 0, algorithm: 'ecdsa-p256', keyDigest: ec.keys[0].keyDigest.toString('hex') }]);
  });

  it('signs with both keys of a 2-key profile, one block each, in key order', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 9_000, seed: 13 });
    const result = completed((await sign('ec2', image)).outcome);
    const ec2 = await signer.registry.acquire('ec2');
    const keys = ec2.keys.map((key) => key.publicKey);
    const stored = await harness.store.getBuffer(result.signedKey);

    const report = verifyV2(stored, { publicKeys: keys });
    expect(report.validBlocks).toEqual([0, 1]);
    expect(report.blocks.map((b) => b.keyDigest.toString('hex'))).toEqual(keys.map((k) => publicKeyDigestV2(k).toString('hex')));
    expect(blockVerifiesWithNode(stored, 0, 'ecdsa-p256', keys[0])).toBe(true);
    expect(blockVerifiesWithNode(stored, 1, 'ecdsa-p256', keys[1])).toBe(true);
    expect(blockVerifiesWithNode(stored, 1, 'ecdsa-p256', keys[0])).toBe(false);
    expect(result.blocks.map((b) => b.index)).toEqual([0, 1]);
  });

  it('signs P-384 (SHA-384 block) for an ESP32-C5 and P-192 for an ESP32-C2 with its 16-byte eFuse digest', async () => {
    const p384 = await signer.registry.acquire('p384');
    const big = completed((await sign('p384', buildEspImage({ chipId: ESP32_C5, size: 9_000, seed: 15 }))).outcome);
    const bigFile = await harness.store.getBuffer(big.signedKey);
    expect(verifyV2(bigFile, { publicKeys: [p384.keys[0].publicKey], imageLayout: 'require' }).validBlocks).toEqual([0]);
    expect(big.blocks).toEqual([{ index: 0, algorithm: 'ecdsa-p384', keyDigest: p384.keys[0].keyDigest.toString('hex') }]);

    const c2 = await signer.registry.acquire('c2');
    const small = completed((await sign('c2', buildEspImage({ chipId: ESP32_C2, size: 9_000, seed: 16 }))).outcome);
    const efuse = c2.keys[0].keyDigest.subarray(0, 16);
    expect(small.blocks).toEqual([{ index: 0, algorithm: 'ecdsa-p192', keyDigest: efuse.toString('hex') }]);
    const smallFile = await harness.store.getBuffer(small.signedKey);
    expect(verifyV2(smallFile, { expectedKeyDigests: [efuse], imageLayout: 'require' }).valid).toBe(true);
    expect((await readProfileKeys(harness.redis, harness.prefix, 'c2'))?.keys[0].keyDigestEfuse).toBe(efuse.toString('hex'));
  });

  it('signs Secure Boot V1 with a PEM key', async () => {
    const image = buildEspImage({ chipId: ESP32, size: 5_000, seed: 14 });
    const result = completed((await sign('v1', image)).outcome);
    const stored = await harness.store.getBuffer(result.signedKey);
    expect(stored.length).toBe(image.length + 68);
    expect(verifyV1(stored, createPublicKey(v1Pem))).toBe(true);
    expect(result).toMatchObject({ scheme: 'sbv1-ecdsa-p256', signedDataLength: image.length, imageSha256: sha256Hex(image) });
  });
});

describe('refusals', () => {
  it('refuses a file that is not an ESP image with INVALID_IMAGE and stores nothing', async () => {
    const { jobId, outcome } = await sign('rsa', Buffer.from('#!/bin/sh\necho definitely not firmware\n'));
    expect(outcome).toMatchObject({ state: 'failed', code: ErrorCode.InvalidImage });
    expect(await harness.store.exists(`signed/${harness.tenant}/${jobId}.bin`)).toBe(false);
    expect(await signer.log.find(jobId)).toBeUndefined();
  });

  it('refuses an image whose chip cannot boot the scheme with CHIP_SCHEME_MISMATCH', async () => {
    const { outcome } = await sign('ec', buildEspImage({ chipId: ESP32_S3, size: 8_000 }));
    expect(outcome).toMatchObject({ state: 'failed', code: ErrorCode.ChipSchemeMismatch });
    expect((outcome as { message: string }).message).toMatch(/ESP32-S3/);
  });

  it('fails jobs of the profile with the wrong PIN with HSM_PIN_INCORRECT while another profile signs in the same worker', async () => {
    const [locked, working] = await Promise.all([
      sign('locked', buildEspImage({ chipId: ESP32_S3, size: 8_000, seed: 21 })),
      sign('rsa', buildEspImage({ chipId: ESP32_S3, size: 8_000, seed: 22 })),
    ]);
    expect(locked.outcome).toMatchObject({ state: 'failed', code: ErrorCode.HsmPinIncorrect });
    expect((locked.outcome as { message: string }).message).not.toContain('999999');
    expect(working.outcome.state).toBe('completed');
    expect(signer.registry.status().find((s) => s.name === 'locked')).toMatchObject({
      state: 'unavailable',
      error: { code: ErrorCode.HsmPinIncorrect },
    });
  });

  it('fails unknown, revoked and missing-source jobs with their codes', async () => {
    const image = buildEspImage({ chipId: ESP32_S3, size: 8_000 });
    expect((await sign('nope', image)).outcome).toMatchObject({ state: 'failed', code: ErrorCode.UnknownProfile });
    expect((await sign('retired', image)).outcome).toMatchObject({ state: 'failed', code: ErrorCode.ProfileRevoked });
    const job = await harness.addJob('rsa', `incoming/${harness.tenant}/never-uploaded.bin`);
    expect(await harness.finished(job)).toMatchObject({ state: 'failed', code: ErrorCode.SourceNotFound });
  });

  it('refuses a source whose SHA-256 differs from the one the request stated', async () => {
    const image = buildEspImage({ chipId: ESP32_S3, size: 8_000 });
    const key = await harness.putSource(image);
    const job = await harness.addJob('rsa', key, { source: { key, sha256: 'ab'.repeat(32) } });
    expect(await harness.finished(job)).toMatchObject({ state: 'failed', code: ErrorCode.ValidationFailed });
  });
});

describe('webhook events', () => {
  it('enqueues the success event under the event id, with the result', async () => {
    const jobId = `job_${createHash('sha256').update(harness.tenant + 'hook-ok').digest('hex').slice(0, 32)}`;
    const webhook = { url: 'https://hooks.example.com/fleetsign', eventId: `evt_${jobId}` };
    const { outcome } = await sign('rsa', buildEspImage({ chipId: ESP32_S3, size: 8_000 }), { jobId, webhook, metadata: { build: '42' } });
    const result = completed(outcome);
    const event = await harness.webhookQueue.getJob(`evt_${jobId}`);
    expect(event?.data).toMatchObject({
      eventId: `evt_${jobId}`,
      tenant: harness.tenant,
      url: webhook.url,
      type: WebhookEventType.SignCompleted,
      jobId,
      payload: { id: jobId, state: 'succeeded', profile: 'rsa', attempts: 1, metadata: { build: '42' }, result: { signedSha256: result.signedSha256 } },
    });
    // The event carries the entry's inclusion proof against a signed checkpoint: a receiver can keep it as the receipt.
    const log = (event?.data.payload as { result: { log: { index: number; leafHash: string; checkpoint: string; inclusionProof: string[] } } }).result.log;
    const tree = openCheckpoint(log.checkpoint, { origin: harness.log.origin, publicKey: createPublicKey(harness.log.keyPem) });
    const entry = await logEntryOf(jobId);
    expect(log.index).toBe(entry.seq);
    expect(verifyInclusion(entryLeafHash(entry), log.index, tree.size, log.inclusionProof.map((h) => Buffer.from(h, 'hex')), tree.rootHash)).toBe(true);
    // The public job view (@fleetsign/api), not the internal result: no tenant, no signed data length.
    const payload = event?.data.payload as Record<string, unknown> & { result: Record<string, unknown> };
    expect(signCompletedDataSchema.parse(payload)).toEqual(payload);
    expect(payload).not.toHaveProperty('tenant');
    expect(payload.result).not.toHaveProperty('signedDataLength');
  });

  it('enqueues the failure event when the job fails for good, and none without a webhook', async () => {
    const jobId = `job_${createHash('sha256').update(harness.tenant + 'hook-fail').digest('hex').slice(0, 32)}`;
    const webhook = { url: 'https://hooks.example.com/fleetsign', eventId: `evt_${jobId}` };
    await sign('rsa', Buffer.from('not an image'), { jobId, webhook });
    const event = await harness.webhookQueue.getJob(`evt_${jobId}`);
    expect(event?.data).toMatchObject({
      type: WebhookEventType.SignFailed,
      payload: { id: jobId, state: 'failed', error: { code: ErrorCode.InvalidImage } },
    });
    expect(signFailedDataSchema.safeParse(event?.data.payload).success).toBe(true);

    const quiet = await sign('rsa', buildEspImage({ chipId: ESP32_S3, size: 8_000 }));
    expect(await harness.webhookQueue.getJob(`evt_${quiet.jobId}`)).toBeUndefined();
  });
});

describe('published keys, transparency log, health and metrics', () => {
  it('publishes each available profile public keys for the gateway, and nothing for the locked one', async () => {
    const record = await readProfileKeys(harness.redis, harness.prefix, 'ec2');
    const ec2 = await signer.registry.acquire('ec2');
    expect(record).toMatchObject({ profile: 'ec2', scheme: 'sbv2-ecdsa-p256' });
    expect(record?.keys.map((k) => [k.index, k.algorithm, k.keyDigestSha256, k.keyDigestEfuse])).toEqual(
      ec2.keys.map((k) => [k.index, 'ecdsa-p256', k.keyDigest.toString('hex'), k.keyDigest.toString('hex')]),
    );
    expect(createPublicKey(record!.keys[1].publicKeyPem).equals(ec2.keys[1].publicKey)).toBe(true);
    expect(await readProfileKeys(harness.redis, harness.prefix, 'locked')).toBeUndefined();
    expect(await readProfileKeys(harness.redis, harness.prefix, 'retired')).toBeUndefined();
  });

  it('keeps one intact transparency log across every job signed in this file, one signing entry per signed file', async () => {
    const entries = await harness.logEntries();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
    expect(new Set(entries.map((e) => e.jobId)).size).toBe(entries.length);
    const signings = entries.filter((e) => e.kind === 'signed');
    expect(signings.map((e) => e.signed.key).sort()).toEqual((await harness.keys('signed')).sort());
    // A reuse entry names the signed file of an earlier signing entry.
    for (const reuse of entries.filter((e) => e.kind === 'reused')) {
      expect(signings.find((e) => e.jobId === reuse.reusedFrom)?.signed.key).toBe(reuse.signed.key);
    }
  });

  it('serves /healthz with profile states and /metrics with job counters', async () => {
    expect(signer.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${signer.metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; profiles: Array<{ name: string; state: string }> };
    expect(body.status).toBe('ok');
    expect(body.profiles.map((p) => [p.name, p.state])).toEqual([
      ['rsa', 'available'],
      ['ec', 'available'],
      ['ec2', 'available'],
      ['p384', 'available'],
      ['c2', 'available'],
      ['v1', 'available'],
      ['locked', 'unavailable'],
      ['retired', 'revoked'],
    ]);
    const metrics = await (await fetch(`${signer.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/fleetsign_signer_jobs_succeeded_total\{profile="rsa",reused="false",service="signer"\} [1-9]/);
    expect(metrics).toMatch(/fleetsign_signer_job_attempts_failed_total\{code="HSM_PIN_INCORRECT",retry="false",service="signer"\} [1-9]/);
    expect(metrics).toMatch(/fleetsign_signer_step_duration_seconds_count\{service="signer",step="sign"\} [1-9]/);
    expect(metrics).toContain('fleetsign_signer_profile_available{profile="locked",state="unavailable",service="signer"} 0');
    expect(metrics).toMatch(/^process_cpu_user_seconds_total\{service="signer"\} /m);
    expect(promtoolProblems(metrics)).toEqual([]);
  });
});
