import { sampleEntry } from '@fleetsign/tlog/testing/sample-entry';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { createRedisConnection } from '@fleetsign/queue';
import { FsObjectStore } from '@fleetsign/storage';
import { LogLayout } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { AppendLease, Checkpointer, LogHeadCache, LogStore, TransparencyLog } from '../../../apps/signer/src';
import { requireTestEnv } from '../../support/test-env';
import { fleetsign } from './cli-test-kit';

// `fleetsign audit` over a log the signer's own code wrote into an fs store folder: an
// intact log verifies; editing, deleting, reordering or truncating entries (and rolling
// the cached head back in Redis) is each detected given a checkpoint saved before.

const ORIGIN = 'fleetsign.test/audit-cli';
const layout = new LogLayout();
let redis: Redis;
let storeDir: string;
let saved: string;
let jobIds: string[];
const prefix = `{fst-audit-cli-${randomBytes(4).toString('hex')}}`;

function fsStore(root: string): FsObjectStore {
  return new FsObjectStore({ root, publicBaseUrl: 'http://127.0.0.1:1/', signingSecret: 'x'.repeat(32) });
}

/** Appends `ids` in one group commit per call and signs a checkpoint after it. */
async function appendAndCheckpoint(store: FsObjectStore, ids: string[], checkpointer: Checkpointer, log: TransparencyLog): Promise<void> {
  await Promise.all(ids.map((id) => log.append(sampleEntry(id))));
  await checkpointer.checkpoint();
}

beforeAll(async () => {
  redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  storeDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'audit-cli-'));
  const store = fsStore(storeDir);
  const lease = new AppendLease(redis, prefix);
  const log = new TransparencyLog(new LogStore(store, layout), new LogHeadCache(redis, prefix), lease);
  const keyPem = generateSigningKeyPem('ecdsa-p256');
  const checkpointer = new Checkpointer({
    log,
    store,
    layout,
    redis,
    prefix,
    key: createPemSigner(keyPem),
    origin: ORIGIN,
    every: 1_000_000,
    intervalMs: 3_600_000,
    logger: pino({ level: 'silent' }),
  });
  await checkpointer.start();
  jobIds = Array.from({ length: 14 }, (_, i) => `job_${i}`);
  await appendAndCheckpoint(store, jobIds.slice(0, 5), checkpointer, log);
  await appendAndCheckpoint(store, jobIds.slice(5, 9), checkpointer, log);
  // The auditor saves the checkpoint of 9 entries ...
  saved = join(storeDir, '..', `saved-${randomBytes(3).toString('hex')}.checkpoint`);
  const out = await fleetsign(['audit', 'checkpoint', '--store-dir', storeDir, '--out', saved]);
  expect(out).toMatchObject({ code: 0 });
  // ... and the log grows on.
  await appendAndCheckpoint(store, jobIds.slice(9, 12), checkpointer, log);
  await appendAndCheckpoint(store, jobIds.slice(12), checkpointer, log);
  await checkpointer.stop();
});

afterAll(async () => {
  await redis.quit();
  rmSync(storeDir, { recursive: true, force: true });
});

/** A copy of the store folder to tamper with. */
function copyOfStore(): string {
  const dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'audit-cli-tampered-'));
  cpSync(storeDir, dir, { recursive: true });
  return dir;
}

function groupFiles(dir: string): string[] {
  return readdirSync(join(dir, 'log', 'groups')).sort();
}

function readGroup(dir: string, name: string): { start: number; entries: Array<Record<string, unknown>>; rangeAfter: string[] } {
  return JSON.parse(readFileSync(join(dir, 'log', 'groups', name), 'utf8')) as never;
}

function writeGroup(dir: string, name: string, group: unknown): void {
  writeFileSync(join(dir, 'log', 'groups', name), JSON.stringify(group));
}

const verifyArgs = (dir: string) => ['audit', 'verify', '--store-dir', dir, '--trusted-checkpoint', saved];

describe('fleetsign audit over an fs store', () => {
  it('verifies the intact log: every entry, every checkpoint, and that it extends the saved checkpoint', async () => {
    const run = await fleetsign(verifyArgs(storeDir));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: 14 entries, root \S+, 4 checkpoints verified; extends the trusted checkpoint\n$/);
    // Group commits: at least one group per append round, none empty.
    expect(groupFiles(storeDir).length).toBeGreaterThanOrEqual(4);
  });

  it('proves a job is in the newest checkpoint and in the saved one', async () => {
    const newest = await fleetsign(['audit', 'prove', 'job_12', '--store-dir', storeDir]);
    expect(newest.code).toBe(0);
    expect(JSON.parse(newest.stdout)).toMatchObject({ jobId: 'job_12', index: 12, treeSize: 14, entry: { jobId: 'job_12' } });
    const older = await fleetsign(['audit', 'prove', 'job_3', '--store-dir', storeDir, '--checkpoint', saved]);
    expect(JSON.parse(older.stdout)).toMatchObject({ index: 3, treeSize: 9 });
    const notCovered = await fleetsign(['audit', 'prove', 'job_12', '--store-dir', storeDir, '--checkpoint', saved]);
    expect(notCovered).toMatchObject({ code: 1, stderr: 'audit: job job_12 (entry 12) is not covered by the checkpoint of 9 entries\n' });
  });

  it('detects an edited entry', async () => {
    const dir = copyOfStore();
    const [, second] = groupFiles(dir);
    const group = readGroup(dir, second);
    group.entries[1] = { ...group.entries[1], tenant: 'mallory' };
    writeGroup(dir, second, group);
    const run = await fleetsign(verifyArgs(dir));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^audit: .+\n$/);
  });

  it('detects a deleted group of entries', async () => {
    const dir = copyOfStore();
    unlinkSync(join(dir, 'log', 'groups', groupFiles(dir)[1]));
    const run = await fleetsign(verifyArgs(dir));
    expect(run).toMatchObject({ code: 1, stderr: expect.stringMatching(/^audit: log group at \d+ does not continue the log \(it ends at \d+\)\n$/) });
  });

  it('detects a deleted entry with the rest renumbered, and reordered entries, even with every stored checkpoint removed', async () => {
    for (const change of [
      (entries: Array<Record<string, unknown>>) => entries.slice(1),
      (entries: Array<Record<string, unknown>>) => [entries[1], entries[0], ...entries.slice(2)],
    ]) {
      const dir = copyOfStore();
      const first = groupFiles(dir)[0];
      const group = readGroup(dir, first);
      group.entries = change(group.entries).map((e, i) => ({ ...e, seq: i }));
      writeGroup(dir, first, group);
      rmSync(join(dir, 'log', 'checkpoints'), { recursive: true });
      const run = await fleetsign(verifyArgs(dir));
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^audit: .+\n$/);
    }
  });

  it('detects a truncated tail with the newest checkpoints removed and the cached head rolled back in Redis', async () => {
    const dir = copyOfStore();
    for (const name of groupFiles(dir).filter((n) => Number(n) >= 9)) unlinkSync(join(dir, 'log', 'groups', name));
    for (const name of readdirSync(join(dir, 'log', 'checkpoints')).filter((n) => Number(n) > 9)) unlinkSync(join(dir, 'log', 'checkpoints', name));
    writeFileSync(join(dir, 'log', 'checkpoint'), readFileSync(saved));
    await redis.set(`${prefix}:tlog:head`, JSON.stringify({ size: 9, range: [] }));
    // Without the saved checkpoint the shortened log is self-consistent ...
    expect(await fleetsign(['audit', 'verify', '--store-dir', dir])).toMatchObject({ code: 0 });
    // ... with it, the truncation shows.
    const run = await fleetsign(['audit', 'verify', '--store-dir', dir, '--trusted-checkpoint', join(storeDir, 'log', 'checkpoints', '000000000014')]);
    expect(run).toMatchObject({ code: 1, stderr: "audit: the log has 9 entries, fewer than the trusted checkpoint's 14: it was truncated\n" });
  });

  it('refuses a checkpoint signed by another key', async () => {
    const other = join(storeDir, '..', `other-${randomBytes(3).toString('hex')}.pem`);
    const otherKey = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
    writeFileSync(other, otherKey.publicKey.export({ format: 'pem', type: 'spki' }));
    const run = await fleetsign(['audit', 'verify', '--store-dir', storeDir, '--log-key', other]);
    expect(run).toMatchObject({ code: 1, stderr: expect.stringMatching(/not signed by fleetsign\.test\/audit-cli/) });
  });
});
