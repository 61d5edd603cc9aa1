import { sampleEntry } from '@fleetsign/tlog/testing/sample-entry';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createRedisConnection } from '@fleetsign/queue';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import { CompactRange, encodeLogGroup, entryLeafHash, type LogEntry } from '@fleetsign/tlog';
import type { Redis } from 'ioredis';
import { AppendLease, LogHeadCache, LogStore, TransparencyLog } from '../../../apps/signer/src';
import { startRedis, type RedisHandle } from '../../support/redis-server';
import { testS3StorageConfig } from '../../support/s3-server';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';

// The signer's side of the transparency log against a real Redis and real object stores
// (s3rver and the fs driver): group commits from two appenders at once stay one gap-free
// log with one entry per job; a group left by an appender that died is taken over; and a
// Redis that lost everything (FLUSHALL) is rebuilt from the store, never a fresh log.


/** Uses a private Redis (FLUSHALL would wipe the other specs' queues on the shared one). */
let redisServer: RedisHandle;
let redis: Redis;
let other: Redis;
const prefix = '{fst-tlog}';

beforeAll(async () => {
  redisServer = await startRedis({ dir: join(mkdtempSync(join(requireTestEnv('tmpRoot'), 'tlog-')), 'redis') });
  redis = createRedisConnection(redisServer.url, 'worker');
  other = createRedisConnection(redisServer.url, 'worker');
});

afterAll(async () => {
  await redis.quit();
  await other.quit();
  await redisServer.stop();
});

function logOn(store: ObjectStore, log: TestLog, connection: Redis): TransparencyLog {
  return new TransparencyLog(new LogStore(store, log.layout), new LogHeadCache(connection, prefix), new AppendLease(connection, prefix));
}

describe.each([
  ['s3', () => createObjectStore(testS3StorageConfig())],
  [
    'fs',
    () =>
      createObjectStore({
        driver: 'fs',
        root: mkdtempSync(join(requireTestEnv('tmpRoot'), 'tlog-fs-')),
        publicBaseUrl: 'http://127.0.0.1:1/',
        signingSecret: 'x'.repeat(32),
      }),
  ],
])('transparency log appends on the %s store', (_driver, makeStore) => {
  let store: ObjectStore;
  let log: TestLog;

  beforeEach(async () => {
    store = makeStore();
    log = new TestLog();
    await redis.flushall();
  });

  afterEach(async () => {
    await store.close();
  });

  it('two appenders at once make one gap-free log, one entry per job, each told its own place', async () => {
    const first = logOn(store, log, redis);
    const second = logOn(store, log, other);
    const jobs = Array.from({ length: 150 }, (_, i) => `job_${i}`);
    const logged = await Promise.all(jobs.map((jobId, i) => (i % 3 === 0 ? second : first).append(sampleEntry(jobId))));

    const entries = await log.entries(store);
    expect(entries.map((e) => e.seq)).toEqual(jobs.map((_, i) => i));
    expect(entries.map((e) => e.jobId).sort()).toEqual([...jobs].sort());
    for (const { entry: e, leafHash } of logged) {
      expect(entries[e.seq]).toEqual(e);
      expect(entryLeafHash(entries[e.seq]).equals(leafHash)).toBe(true);
    }
    expect((await first.head()).size).toBe(150);
    expect((await first.find('job_77'))?.entry.jobId).toBe('job_77');
    expect(await first.find('job_never')).toBeUndefined();
  });

  it('takes over a group an appender wrote before it died, giving its jobs their entries, and appends after it', async () => {
    const appender = logOn(store, log, redis);
    await appender.append(sampleEntry('job_before'));
    // What a signer killed after creating its group leaves: the group, no job pointers, no cached head.
    const dead: LogEntry[] = [{ ...sampleEntry('job_dead_1'), seq: 1 }, { ...sampleEntry('job_dead_2'), seq: 2 }];
    const range = CompactRange.of((await appender.head()).size, (await appender.head()).hashes());
    for (const e of dead) range.append(entryLeafHash(e));
    await store.put(log.layout.groupKey(1), encodeLogGroup({ start: 1, entries: dead, rangeAfter: range }), { ifNoneMatch: true });

    const fresh = logOn(store, log, other);
    const [retried, next] = await Promise.all([fresh.append({ ...sampleEntry('job_dead_2'), time: '2026-01-01T00:09:00.000Z' }), fresh.append(sampleEntry('job_after'))]);

    expect(retried.entry).toEqual(dead[1]);
    expect(next.entry.seq).toBe(3);
    expect((await log.entries(store)).map((e) => e.jobId)).toEqual(['job_before', 'job_dead_1', 'job_dead_2', 'job_after']);
    expect((await fresh.find('job_dead_1'))?.entry.seq).toBe(1);
  });

  it('after FLUSHALL rebuilds the end of the log from the store and carries on after it, never a fresh log', async () => {
    const before = logOn(store, log, redis);
    await Promise.all(Array.from({ length: 20 }, (_, i) => before.append(sampleEntry(`job_old_${i}`))));
    await redis.flushall();

    const after = logOn(store, log, redis);
    expect((await after.head()).root().equals((await log.entries(store)).reduce((r, e) => (r.append(entryLeafHash(e)), r), CompactRange.empty()).root())).toBe(true);
    const appended = await after.append(sampleEntry('job_new'));

    expect(appended.entry.seq).toBe(20);
    const entries = await log.entries(store);
    expect(entries).toHaveLength(21);
    expect(entries[20].jobId).toBe('job_new');
  });

  it('a stale cached head (rolled back) costs a read-back, never an overwrite', async () => {
    const appender = logOn(store, log, redis);
    await appender.append(sampleEntry('job_a'));
    const stale = await new LogHeadCache(redis, prefix).get();
    await appender.append(sampleEntry('job_b'));
    await redis.set(`${prefix}:tlog:head`, JSON.stringify({ size: stale!.size, range: stale!.hashes().map((h) => h.toString('hex')) }));

    const fresh = logOn(store, log, other);
    expect((await fresh.append(sampleEntry('job_c'))).entry.seq).toBe(2);
    expect((await log.entries(store)).map((e) => e.jobId)).toEqual(['job_a', 'job_b', 'job_c']);
  });
});
