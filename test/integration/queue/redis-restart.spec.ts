import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import {
  QueueName,
  createQueue,
  createRedisConnection,
  createWorker,
  deterministicJobId,
  queuePrefix,
  signedObjectKey,
  type FleetSignQueue,
  type FleetSignWorker,
  type SignJobData,
  type SignJobResult,
} from '@fleetsign/queue';
import { startRedis, type RedisHandle } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';

const POLL_MS = 50;
const READY_DEADLINE_MS = 20_000;

function data(jobId: string): SignJobData {
  return {
    tenant: 'acme',
    profile: 'prod',
    source: { key: `uploads/acme/${jobId}.bin` },
    signedKey: signedObjectKey('acme', jobId),
    requestedAt: new Date().toISOString(),
  };
}

/** Bounded poll until the connection answers PING again. */
async function untilPingable(connection: Redis): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (
      await connection.ping().then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error('Redis connection did not come back');
}

/**
 * Uses a private Redis (not the shared one from the global setup) because it kills
 * and restarts it: workers must ride out the outage, producers must fail fast.
 */
describe('queue roles across a Redis crash', () => {
  let redis: RedisHandle;
  let producer: Redis;
  let workerConnection: Redis;
  let queue: FleetSignQueue<QueueName.Sign>;
  let worker: FleetSignWorker<QueueName.Sign>;
  const completed = new Map<string, SignJobResult>();
  const waiters = new Map<string, () => void>();

  function whenCompleted(jobId: string): Promise<void> {
    return completed.has(jobId) ? Promise.resolve() : new Promise((resolve) => waiters.set(jobId, resolve));
  }

  beforeAll(async () => {
    redis = await startRedis({
      dir: join(mkdtempSync(join(requireTestEnv('tmpRoot'), 'redis-restart-')), 'redis'),
    });
    if (redis.kind === 'external') return;
    const prefix = queuePrefix('fleetsign-restart');
    producer = createRedisConnection(redis.url, 'producer');
    workerConnection = createRedisConnection(redis.url, 'worker');
    // Outages are expected here; without listeners ioredis prints every reconnect error.
    for (const connection of [producer, workerConnection]) connection.on('error', () => undefined);
    queue = createQueue(QueueName.Sign, producer, prefix);
    queue.on('error', () => undefined);
    worker = createWorker(
      QueueName.Sign,
      async (job) => ({
        imageSha256: '00'.repeat(32),
        signedSha256: '11'.repeat(32),
        signedKey: job.data.signedKey,
        signedSize: 1,
        signedDataLength: 1,
        scheme: 'sbv2-ecdsa-p256',
        blocks: [],
        log: { index: 0, leafHash: '00'.repeat(32) },
        timings: { fetchMs: 0, signMs: 0, storeMs: 0, totalMs: 0 },
      }),
      { connection: workerConnection, prefix },
    );
    worker.on('error', () => undefined);
    worker.on('completed', (job) => {
      completed.set(job.id!, job.returnvalue);
      waiters.get(job.id!)?.();
    });
  });

  afterAll(async () => {
    if (redis.kind !== 'external') {
      await worker.close();
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
    }
    await redis.stop();
  });

  it('processes jobs again after Redis restarts, while producers fail fast during the outage', async () => {
    if (redis.kind === 'external') return; // a shared Redis cannot be killed

    const before = deterministicJobId('acme', 'before-crash');
    await queue.add(QueueName.Sign, data(before), { jobId: before });
    await whenCompleted(before);

    await redis.kill();
    const during = deterministicJobId('acme', 'during-crash');
    await expect(queue.add(QueueName.Sign, data(during), { jobId: during })).rejects.toThrow();

    await redis.restart();
    await untilPingable(producer);
    const after = deterministicJobId('acme', 'after-crash');
    await queue.add(QueueName.Sign, data(after), { jobId: after });
    await whenCompleted(after);
    expect(completed.get(after)?.signedKey).toBe(signedObjectKey('acme', after));
  });
});
