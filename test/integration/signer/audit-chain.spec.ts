import { randomBytes } from 'node:crypto';
import { createRedisConnection } from '@fleetsign/queue';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { AuditChain, auditRecordKey, verifyAuditChain } from '../../../apps/signer/src';
import type { AuditEntry } from '../../../apps/signer/src/audit/audit-record';
import { testS3StorageConfig } from '../../support/s3-server';
import { requireTestEnv } from '../../support/test-env';

// The audit chain with the real Redis and object store: appends are queued and
// committed in groups, and the chain stays one gap-free line with exactly one record
// per job, however many appends arrive at once and from how many signers.

const prefix = `{fst-audit-${randomBytes(4).toString('hex')}}`;
const tenant = `t${randomBytes(4).toString('hex')}`;
let redis: Redis;
let other: Redis;
let store: ObjectStore;

beforeAll(() => {
  // Connections that queue commands until connected (producer ones refuse them before).
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  other = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  store = createObjectStore(testS3StorageConfig());
});

afterAll(async () => {
  await redis.quit();
  await other.quit();
  await store.close();
});

function entry(jobId: string, attempt = 1): AuditEntry {
  return {
    version: 1,
    jobId,
    tenant,
    profile: 'release',
    scheme: 'sbv2-ecdsa-p256',
    chip: 'ESP32-C6',
    source: { key: `incoming/${tenant}/${jobId}.bin`, sha256: 'a'.repeat(64), size: 1000 },
    imageSha256: 'b'.repeat(64),
    signed: { key: `signed/${tenant}/${jobId}.bin`, sha256: attempt.toString(16).padStart(64, '0'), size: 8192, signedDataLength: 4096 },
    keys: [],
    signer: { host: 'test', pid: 1 },
    requestedAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    recordedAt: '2026-01-01T00:00:02.000Z',
    attempt,
  };
}

describe('AuditChain group commits', () => {
  it('chains many appends from two signers at once into one line, one record per job', async () => {
    const first = new AuditChain(redis, prefix, store);
    const second = new AuditChain(other, prefix, store);
    const jobs = Array.from({ length: 150 }, (_, i) => `job_${i}`);
    const records = await Promise.all(jobs.map((jobId, i) => (i % 3 === 0 ? second : first).append(tenant, jobId, entry(jobId))));

    expect(new Set(records.map((record) => record.seq)).size).toBe(jobs.length);
    const report = await verifyAuditChain(redis, prefix, store);
    expect(report).toMatchObject({ ok: true, complete: true, problems: [] });
    expect(report.records.map((record) => record.jobId).sort()).toEqual([...jobs].sort());
    expect((await first.head())?.seq).toBe(jobs.length);
  });

  it('gives a job that already has a record that record, even inside a group, and keeps chaining after it', async () => {
    const chain = new AuditChain(redis, prefix, store);
    const before = (await chain.head())?.seq ?? 0;
    const original = await chain.append(tenant, 'job_again', entry('job_again', 1));
    // One group: new jobs around a repeated job and a job appended twice at once.
    const [a, repeated, b, twiceA, twiceB, c] = await Promise.all([
      chain.append(tenant, 'job_a', entry('job_a')),
      chain.append(tenant, 'job_again', entry('job_again', 2)),
      chain.append(tenant, 'job_b', entry('job_b')),
      chain.append(tenant, 'job_twice', entry('job_twice', 1)),
      chain.append(tenant, 'job_twice', entry('job_twice', 2)),
      chain.append(tenant, 'job_c', entry('job_c')),
    ]);

    expect(repeated).toEqual(original);
    expect(twiceB).toEqual(twiceA);
    expect([a, b, twiceA, c].map((record) => record.seq).sort((x, y) => x - y)).toEqual([before + 2, before + 3, before + 4, before + 5]);
    const stored = JSON.parse((await store.getBuffer(auditRecordKey(tenant, 'job_again'))).toString('utf8'));
    expect(stored).toEqual(original);
    const report = await verifyAuditChain(redis, prefix, store);
    expect(report).toMatchObject({ ok: true, complete: true, problems: [] });
    expect(report.records.filter((record) => record.jobId === 'job_twice')).toHaveLength(1);
    expect(report.records).toHaveLength(before + 5);
  });

  it('finds a record chained by an attempt that died before storing it', async () => {
    const chain = new AuditChain(redis, prefix, store);
    const record = await chain.append(tenant, 'job_lost', entry('job_lost'));
    await store.delete(auditRecordKey(tenant, 'job_lost'));
    expect(await chain.find(tenant, 'job_lost')).toEqual(record);
    expect(JSON.parse((await store.getBuffer(auditRecordKey(tenant, 'job_lost'))).toString('utf8'))).toEqual(record);
    expect(await chain.find(tenant, 'job_never')).toBeUndefined();
  });
});
