import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { signedObjectKey } from '@fleetsign/queue';
import { buildEspImage, verifyV2 } from '@fleetsign/secure-boot';
import { objectSource } from '@fleetsign/storage';
import { type LogEntry, MAX_LOG_OBJECT_BYTES, openCheckpoint, verifyLog } from '@fleetsign/tlog';
import type { Signer } from '../../../apps/signer/src';
import { signedFileOf, signImage } from '../../../apps/signer/src/pipeline/sign-image';
import { requireTestEnv } from '../../support/test-env';
import { type JobOutcome, sha256Hex, SignerHarness, tokenKey } from './signer-test-kit';

// BullMQ delivers at least once: a job may run again after it completed, or after an
// attempt died between two steps. Each case here leaves the state such an attempt
// leaves, runs the job (again) and checks: one signed file, one log entry, the log intact.

const ESP32_C6 = 13;
const harness = new SignerHarness();
let signer: Signer;
let configPath: string;

beforeAll(async () => {
  await harness.ready();
  const pin = harness.writeFile('pin', requireTestEnv('tokenPin'));
  configPath = harness.writeConfig([
    { name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', pin)], state: 'active' },
    { name: 'rsa', scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072', pin)], state: 'active' },
  ]);
  signer = await harness.startSigner(configPath, { config: { signer: { concurrency: 4 } } });
});

afterAll(async () => {
  await harness.close();
});

function completed(outcome: JobOutcome) {
  if (outcome.state !== 'completed') throw new Error(`job failed: ${outcome.code}: ${outcome.message}`);
  return outcome.result;
}

function newJobId(): string {
  return `job_${randomBytes(16).toString('hex')}`;
}

/** The tenant's entries after verifying the whole log; one entry per job at most. */
async function expectLogIntact(): Promise<LogEntry[]> {
  const entries = await harness.logEntries();
  expect(new Set(entries.map((e) => e.jobId)).size).toBe(entries.length);
  return entries;
}

async function entriesOf(jobId: string): Promise<LogEntry[]> {
  return (await expectLogIntact()).filter((e) => e.jobId === jobId);
}

describe('retried and repeated sign jobs', () => {
  it('processing the same job twice keeps one signed file and one log entry', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 10_000, seed: 1 });
    const job = await harness.addJob('ec', await harness.putSource(image));
    const first = completed(await harness.finished(job));
    const sizeBefore = (await signer.log.head()).size;

    await job.retry('completed');
    const second = completed(await harness.finished(job));

    expect(second.reused).toBe(true);
    expect(second).toMatchObject({ signedSha256: first.signedSha256, signedKey: first.signedKey, log: first.log, imageSha256: first.imageSha256 });
    expect(sha256Hex(await harness.store.getBuffer(first.signedKey))).toBe(first.signedSha256);
    expect(await entriesOf(job.id as string)).toHaveLength(1);
    expect((await signer.log.head()).size).toBe(sizeBefore);
  });

  it('keeps a valid signed file an attempt stored before it died, and logs that file', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 2 });
    const jobId = newJobId();
    const earlier = await signImage(image, await signer.registry.acquire('ec'));
    await harness.store.put(signedObjectKey(harness.tenant, jobId), signedFileOf(earlier));

    const result = completed(await harness.finished(await harness.addJob('ec', await harness.putSource(image), { jobId })));

    expect(result.reused).toBe(true);
    expect(result.signedSha256).toBe(sha256Hex(signedFileOf(earlier)));
    const [entry, ...more] = await entriesOf(jobId);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({ seq: result.log.index, kind: 'signed', signed: { sha256: sha256Hex(signedFileOf(earlier)) } });
  });

  it('replaces a file at the job key that is not a valid signing of this image', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 3 });
    const other = buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 4 });
    const jobId = newJobId();
    const wrong = await signImage(other, await signer.registry.acquire('ec'));
    await harness.store.put(signedObjectKey(harness.tenant, jobId), signedFileOf(wrong));

    const result = completed(await harness.finished(await harness.addJob('ec', await harness.putSource(image), { jobId })));

    expect(result.reused).toBeUndefined();
    const stored = await harness.store.getBuffer(result.signedKey);
    expect(sha256Hex(stored)).not.toBe(sha256Hex(signedFileOf(wrong)));
    const ec = await signer.registry.acquire('ec');
    expect(verifyV2(stored, { publicKeys: [ec.keys[0].publicKey] }).valid).toBe(true);
    expect(stored.subarray(0, image.length).equals(image)).toBe(true);
  });

  it('finds the entry an attempt logged before it died (group written, job pointer not), without a second entry', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 8_000, seed: 5 });
    const job = await harness.addJob('rsa', await harness.putSource(image));
    const first = completed(await harness.finished(job));
    const sizeBefore = (await signer.log.head()).size;
    // The state of a signer killed after its group reached the store but before its job
    // pointer did, and before it moved the cached head; a new signer takes over.
    await signer.close();
    // Shutting down signed a checkpoint of the whole log with the log key.
    const note = (await harness.store.getBuffer(harness.log.layout.latestCheckpointKey)).toString('utf8');
    const logKey = createPublicKey(createPrivateKey(harness.log.keyPem));
    expect(openCheckpoint(note, { origin: harness.log.origin, publicKey: logKey }).size).toBe(sizeBefore);
    const verdict = await verifyLog(objectSource(harness.store, MAX_LOG_OBJECT_BYTES), { origin: harness.log.origin, publicKey: logKey, trustedCheckpoint: note }, harness.log.layout);
    expect(verdict).toMatchObject({ ok: true, size: sizeBefore });
    expect(verdict.ok && verdict.checkpoints).toBeGreaterThanOrEqual(1);
    await harness.store.delete(harness.log.layout.jobKey(job.id as string));
    await harness.redis.del(`${harness.prefix}:tlog:head`);
    signer = await harness.startSigner(configPath, { config: { signer: { concurrency: 4 } } });

    await job.retry('completed');
    const second = completed(await harness.finished(job));

    expect(second.signedSha256).toBe(first.signedSha256);
    expect(second.log).toEqual(first.log);
    expect((await signer.log.head()).size).toBe(sizeBefore);
    expect(await entriesOf(job.id as string)).toHaveLength(1);
  });

  it('re-signs when the job asks for a fresh signature, ignoring a stored file', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 8_000, seed: 6 });
    const jobId = newJobId();
    const earlier = await signImage(image, await signer.registry.acquire('ec'));
    await harness.store.put(signedObjectKey(harness.tenant, jobId), signedFileOf(earlier));

    const result = completed(await harness.finished(await harness.addJob('ec', await harness.putSource(image), { jobId, fresh: true })));

    expect(result.reused).toBeUndefined();
    // ECDSA on the token uses a random nonce: a new signing gives a new file.
    expect(result.signedSha256).not.toBe(sha256Hex(signedFileOf(earlier)));
    expect(sha256Hex(await harness.store.getBuffer(result.signedKey))).toBe(result.signedSha256);
  });

  it('keeps one gap-free log while two signers work through many jobs at once', async () => {
    const second = await harness.startSigner(harness.writeConfig([
      { name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', harness.writeFile('pin2', requireTestEnv('tokenPin')))], state: 'active' },
    ]), { config: { signer: { concurrency: 4 } } });
    const before = (await signer.log.head()).size;
    const jobs = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => harness.addJob('ec', await harness.putSource(buildEspImage({ chipId: ESP32_C6, size: 6_000, seed: 100 + i })))),
    );
    const results = await Promise.all(jobs.map(async (job) => completed(await harness.finished(job))));
    expect(new Set(results.map((r) => r.log.index)).size).toBe(16);

    const entries = await expectLogIntact();
    expect(entries.filter((e) => e.seq >= before).map((e) => e.jobId).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(results.every((r) => entries.some((e) => e.seq === r.log.index && e.signed.sha256 === r.signedSha256))).toBe(true);
    await second.close();
  });
});
