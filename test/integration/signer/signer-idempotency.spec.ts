import { randomBytes } from 'node:crypto';
import { signedObjectKey } from '@fleetsign/queue';
import { buildEspImage, verifyV2 } from '@fleetsign/secure-boot';
import { auditRecordKey, type AuditRecord, type Signer, verifyAuditChain } from '../../../apps/signer/src';
import { signedFileOf, signImage } from '../../../apps/signer/src/pipeline/sign-image';
import { requireTestEnv } from '../../support/test-env';
import { type JobOutcome, sha256Hex, SignerHarness, tokenKey } from './signer-test-kit';

// BullMQ delivers at least once: a job may run again after it completed, or after an
// attempt died between two steps. Each case here leaves the state such an attempt
// leaves, runs the job (again) and checks: one signed file, one audit record, chain intact.

const ESP32_C6 = 13;
const harness = new SignerHarness();
let signer: Signer;

beforeAll(async () => {
  await harness.ready();
  const pin = harness.writeFile('pin', requireTestEnv('tokenPin'));
  const config = harness.writeConfig([
    { name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', pin)], state: 'active' },
    { name: 'rsa', scheme: 'sbv2-rsa3072', keys: [tokenKey('rsa3072', pin)], state: 'active' },
  ]);
  signer = await harness.startSigner(config, { config: { signer: { concurrency: 4 } } });
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

async function auditRecordsOf(jobId: string): Promise<string[]> {
  return (await harness.keys('audit')).filter((key) => key === auditRecordKey(harness.tenant, jobId));
}

async function expectChainIntact(): Promise<AuditRecord[]> {
  const report = await verifyAuditChain(harness.redis, harness.prefix, harness.store);
  expect(report.problems).toEqual([]);
  expect(report.complete).toBe(true);
  expect(new Set(report.records.map((r) => r.jobId)).size).toBe(report.records.length);
  return report.records;
}

describe('retried and repeated sign jobs', () => {
  it('processing the same job twice keeps one signed file and one audit record', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 10_000, seed: 1 });
    const job = await harness.addJob('ec', await harness.putSource(image));
    const first = completed(await harness.finished(job));
    const headBefore = await signer.audit.head();

    await job.retry('completed');
    const second = completed(await harness.finished(job));

    expect(second.reused).toBe(true);
    expect(second).toMatchObject({ signedSha256: first.signedSha256, signedKey: first.signedKey, auditKey: first.auditKey, imageSha256: first.imageSha256 });
    expect(sha256Hex(await harness.store.getBuffer(first.signedKey))).toBe(first.signedSha256);
    expect(await auditRecordsOf(job.id as string)).toHaveLength(1);
    expect(await signer.audit.head()).toEqual(headBefore);
    await expectChainIntact();
  });

  it('keeps a valid signed file an attempt stored before it died, and records that file', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 2 });
    const jobId = newJobId();
    const earlier = await signImage(image, await signer.registry.acquire('ec'));
    await harness.store.put(signedObjectKey(harness.tenant, jobId), signedFileOf(earlier));

    const result = completed(await harness.finished(await harness.addJob('ec', await harness.putSource(image), { jobId })));

    expect(result.reused).toBe(true);
    expect(result.signedSha256).toBe(sha256Hex(signedFileOf(earlier)));
    const record = JSON.parse((await harness.store.getBuffer(result.auditKey)).toString('utf8')) as AuditRecord;
    expect(record.signed.sha256).toBe(sha256Hex(signedFileOf(earlier)));
    expect(await auditRecordsOf(jobId)).toHaveLength(1);
    await expectChainIntact();
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

  it('writes back the very record an attempt chained before it died, without a second link', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 8_000, seed: 5 });
    const job = await harness.addJob('rsa', await harness.putSource(image));
    const first = completed(await harness.finished(job));
    const original = (await harness.store.getBuffer(first.auditKey)).toString('utf8');
    const headBefore = await signer.audit.head();
    // The state of an attempt killed after the chain moved but before the record reached the store.
    await harness.store.delete(first.auditKey);

    await job.retry('completed');
    const second = completed(await harness.finished(job));

    expect(second.signedSha256).toBe(first.signedSha256);
    expect(JSON.parse((await harness.store.getBuffer(first.auditKey)).toString('utf8'))).toEqual(JSON.parse(original));
    expect(await signer.audit.head()).toEqual(headBefore);
    await expectChainIntact();
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

  it('keeps one unbroken chain while two signers work through many jobs at once', async () => {
    const second = await harness.startSigner(harness.writeConfig([
      { name: 'ec', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey('p256', harness.writeFile('pin2', requireTestEnv('tokenPin')))], state: 'active' },
    ]), { config: { signer: { concurrency: 4 } } });
    const before = (await signer.audit.head())?.seq ?? 0;
    const jobs = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => harness.addJob('ec', await harness.putSource(buildEspImage({ chipId: ESP32_C6, size: 6_000, seed: 100 + i })))),
    );
    const results = await Promise.all(jobs.map(async (job) => completed(await harness.finished(job))));
    expect(new Set(results.map((r) => r.auditKey)).size).toBe(16);

    const records = await expectChainIntact();
    expect(records[0].seq).toBe(before + 16);
    expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => records[0].seq - i));
    expect(new Set(records.slice(0, 16).map((r) => r.signer.pid)).size).toBe(1); // same process, two workers
    await second.close();
  });
});
