import { BatchItemStore, BATCH_COMPLETED_TTL_SECONDS, BATCH_PENDING_TTL_SECONDS, BatchField, batchRedisKeys, createRedisConnection, encodeBatchItem, newBatchRecordFields, parseBatchRecord, tenantBacklogRedisKey } from '@fleetsign/queue';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { requireTestEnv } from '../../support/test-env';

// The signer's per-item accounting scripts on a real Redis: an item is counted once
// however often it is recorded (BullMQ delivers at least once), the tenant backlog is
// released once per item, and completion keeps the batch state for a week.

describe('batch item accounting in Redis', () => {
  const prefix = `{fst-acct-${randomBytes(4).toString('hex')}}`;
  let redis: Redis;
  let items: BatchItemStore;

  beforeAll(() => {
    redis = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
    items = new BatchItemStore(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function seedBatch(total: number, tenant: string): Promise<string> {
    const batchId = `batch_${randomBytes(16).toString('hex')}`;
    const keys = batchRedisKeys(prefix, batchId);
    await redis.hset(
      keys.record,
      newBatchRecordFields({
        tenant,
        profile: 'p',
        total,
        createdAt: '2026-01-01T00:00:00.000Z',
        requestHash: 'h',
      }),
    );
    await redis.expire(keys.record, BATCH_PENDING_TTL_SECONDS);
    await redis.rpush(
      keys.items,
      ...Array.from({ length: total }, (_, i) =>
        encodeBatchItem({ name: `v${i}.bin`, sourceKey: `incoming/${tenant}/v${i}.bin` }),
      ),
    );
    await redis.incrby(tenantBacklogRedisKey(prefix, tenant), total);
    return batchId;
  }

  const ok = { state: 'succeeded' as const, signedKey: 's', imageSha256: 'i', signedSha256: 'x', blocks: [] };
  const bad = { state: 'failed' as const, error: { code: 'INVALID_IMAGE', message: 'bad' } };

  it('counts an item once and releases the tenant backlog once', async () => {
    const tenant = `t${randomBytes(3).toString('hex')}`;
    const batchId = await seedBatch(3, tenant);
    const keys = batchRedisKeys(prefix, batchId);
    await items.markActive(batchId, 0);
    expect(await redis.smembers(keys.active)).toEqual(['0']);

    expect(await items.recordOutcome(batchId, tenant, 0, ok)).toEqual({
      counted: true,
      batchExists: true,
      final: 1,
      total: 3,
    });
    expect(await items.recordOutcome(batchId, tenant, 0, bad)).toEqual({
      counted: false,
      batchExists: true,
      final: 1,
      total: 3,
    });
    expect(await redis.smembers(keys.active)).toEqual([]);
    expect(await redis.get(tenantBacklogRedisKey(prefix, tenant))).toBe('2');
    // A late redelivery of a final item does not show it as active again.
    await items.markActive(batchId, 0);
    expect(await redis.scard(keys.active)).toBe(0);

    await items.recordOutcome(batchId, tenant, 2, bad);
    const last = await items.recordOutcome(batchId, tenant, 1, ok);
    expect(last).toEqual({ counted: true, batchExists: true, final: 3, total: 3 });
    expect(await redis.exists(tenantBacklogRedisKey(prefix, tenant))).toBe(0);
    expect(await redis.zrange(keys.succeeded, 0, -1)).toEqual(['0', '1']);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['2']);
    const record = parseBatchRecord(batchId, await redis.hgetall(keys.record));
    expect(record).toMatchObject({ succeeded: 2, failed: 1, lastItemAt: expect.any(String) });
    for (const key of [keys.results, keys.succeeded, keys.failed])
      expect(await redis.ttl(key)).toBeGreaterThan(0);

    const finished = await items.finishedItems(batchId, 0, 10);
    expect(finished.map((item) => [item.index, item.name, item.outcome.state])).toEqual([
      [0, 'v0.bin', 'succeeded'],
      [1, 'v1.bin', 'succeeded'],
      [2, 'v2.bin', 'failed'],
    ]);

    await items.markCompleted(batchId, 'batches/x/manifest.json');
    const firstFinish = await redis.hget(keys.record, BatchField.finishedAt);
    await items.markCompleted(batchId, 'batches/x/manifest.json');
    expect(await redis.hget(keys.record, BatchField.finishedAt)).toBe(firstFinish);
    expect(await redis.hget(keys.record, BatchField.state)).toBe('completed');
    const ttl = await redis.ttl(keys.record);
    expect(ttl).toBeGreaterThan(BATCH_COMPLETED_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(BATCH_COMPLETED_TTL_SECONDS);
  });

  it('counts concurrent recordings of the same item once', async () => {
    const tenant = `t${randomBytes(3).toString('hex')}`;
    const batchId = await seedBatch(2, tenant);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => items.recordOutcome(batchId, tenant, 1, ok)),
    );
    expect(outcomes.filter((o) => o.counted)).toHaveLength(1);
    expect(await redis.get(tenantBacklogRedisKey(prefix, tenant))).toBe('1');
    expect(await redis.hget(batchRedisKeys(prefix, batchId).record, BatchField.succeeded)).toBe('1');
  });

  it('reports a batch whose record is gone', async () => {
    expect(await items.recordOutcome('batch_gone', 'tenant', 0, ok)).toEqual({
      counted: false,
      batchExists: false,
      final: 0,
      total: 0,
    });
    await expect(items.finishedItems('batch_gone', 0, 10)).resolves.toEqual([]);
  });
});
