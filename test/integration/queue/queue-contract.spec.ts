import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  DEFAULT_JOB_OPTIONS,
  QueueName,
  createQueueEvents,
  UnrecoverableError,
  createQueue,
  createRedisConnection,
  createWorker,
  deterministicJobId,
  queuePrefix,
  signedObjectKey,
  type FleetSignJob,
  type FleetSignProcessor,
  type FleetSignQueue,
  type FleetSignWorker,
  type SignJobData,
  type SignJobResult,
} from '@fleetsign/queue';
import { requireTestEnv } from '../../support/test-env';

const TENANT = 'acme';

function signData(jobId: string): SignJobData {
  return {
    tenant: TENANT,
    profile: 'prod-rsa',
    source: { key: `uploads/${TENANT}/${jobId}.bin`, sha256: 'ab'.repeat(32), size: 4096 },
    signedKey: signedObjectKey(TENANT, jobId),
    requestedAt: new Date().toISOString(),
  };
}

function signResult(data: SignJobData): SignJobResult {
  return {
    imageSha256: '00'.repeat(32),
    signedSha256: '11'.repeat(32),
    signedKey: data.signedKey,
    signedSize: 8192,
    signedDataLength: 4096,
    scheme: 'sbv2-rsa3072',
    blocks: [{ index: 0, keyDigest: '22'.repeat(32), algorithm: 'rsa3072' }],
    log: { index: 0, leafHash: '00'.repeat(32) },
    timings: { fetchMs: 1, signMs: 1, storeMs: 1, totalMs: 3 },
  };
}

/** Resolves with the job once the worker reports it finished for good (completed or out of attempts). */
function settled(
  worker: FleetSignWorker<QueueName.Sign>,
  jobId: string,
): Promise<FleetSignJob<QueueName.Sign>> {
  return new Promise((resolve) => {
    worker.on('completed', (job) => {
      if (job.id === jobId) resolve(job);
    });
    worker.on('failed', (job) => {
      if (job?.id !== jobId) return;
      // A failed attempt with attempts left is retried; only the last one settles.
      if (job.finishedOn) resolve(job);
    });
  });
}

describe('libs/queue against a real Redis', () => {
  let producer: Redis;
  let workerConnection: Redis;
  let prefix: string;
  let queue: FleetSignQueue<QueueName.Sign>;
  const workers: FleetSignWorker<QueueName.Sign>[] = [];

  function startWorker(processor: FleetSignProcessor<QueueName.Sign>): FleetSignWorker<QueueName.Sign> {
    const worker = createWorker(QueueName.Sign, processor, {
      connection: workerConnection,
      prefix,
      concurrency: 1,
    });
    workers.push(worker);
    return worker;
  }

  beforeAll(() => {
    const url = requireTestEnv('redisUrl');
    producer = createRedisConnection(url, 'producer');
    workerConnection = createRedisConnection(url, 'worker');
  });

  beforeEach(() => {
    // A private hash-tagged prefix per test: isolation even on a shared Redis.
    prefix = queuePrefix(`fleetsign-it-${randomUUID()}`);
    queue = createQueue(QueueName.Sign, producer, prefix);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await queue.obliterate({ force: true });
    await queue.close();
  });

  afterAll(async () => {
    await producer.quit();
    await workerConnection.quit();
  });

  it('stores its keys under the hash-tagged prefix', async () => {
    expect(prefix).toMatch(/^\{fleetsign-it-[0-9a-f-]+\}$/);
    const jobId = deterministicJobId(TENANT, 'prefix-check');
    await queue.add(QueueName.Sign, signData(jobId), { jobId });
    const keys = await producer.keys(`${prefix}:sign:*`);
    expect(keys).toContain(`${prefix}:sign:${jobId}`);
  });

  it('adds a job with a deterministic id only once and applies the queue defaults', async () => {
    const jobId = deterministicJobId(TENANT, 'idem-1');
    const first = await queue.add(QueueName.Sign, signData(jobId), { jobId });
    const second = await queue.add(QueueName.Sign, { ...signData(jobId), profile: 'other' }, { jobId });
    expect(second.id).toBe(first.id);
    expect(await queue.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 1,
      delayed: 0,
      active: 0,
    });
    const stored = await queue.getJob(jobId);
    expect(stored?.data.profile).toBe('prod-rsa');
    expect(stored?.opts.attempts).toBe(DEFAULT_JOB_OPTIONS[QueueName.Sign].attempts);
    expect(stored?.opts.backoff).toEqual(DEFAULT_JOB_OPTIONS[QueueName.Sign].backoff);
  });

  it('has a worker process the job and store its typed result', async () => {
    const jobId = deterministicJobId(TENANT, 'process-1');
    const processed: string[] = [];
    const worker = startWorker(async (job) => {
      processed.push(job.data.source.key);
      return signResult(job.data);
    });
    const done = settled(worker, jobId);
    await queue.add(QueueName.Sign, signData(jobId), { jobId });
    const job = await done;
    expect(processed).toEqual([`uploads/${TENANT}/${jobId}.bin`]);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue.signedKey).toBe(signedObjectKey(TENANT, jobId));
  });

  it('retries a retryable failure with exponential backoff', async () => {
    const jobId = deterministicJobId(TENANT, 'retry-1');
    const delayMs = 200;
    const attemptStarts: number[] = [];
    const failedAt: number[] = [];
    const worker = startWorker(async (job) => {
      attemptStarts.push(Date.now());
      if (job.attemptsMade < 2) {
        failedAt.push(Date.now());
        throw new Error('HSM busy');
      }
      return signResult(job.data);
    });
    const done = settled(worker, jobId);
    await queue.add(QueueName.Sign, signData(jobId), {
      jobId,
      attempts: 3,
      backoff: { type: 'exponential', delay: delayMs },
    });
    const job = await done;

    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(3);
    expect(attemptStarts).toHaveLength(3);
    // Lower bounds only: the retry may come later, never sooner than the backoff.
    expect(attemptStarts[1] - failedAt[0]).toBeGreaterThanOrEqual(delayMs);
    expect(attemptStarts[2] - failedAt[1]).toBeGreaterThanOrEqual(2 * delayMs);
  });

  it('does not retry an UnrecoverableError', async () => {
    const jobId = deterministicJobId(TENANT, 'unrecoverable-1');
    let calls = 0;
    const worker = startWorker(async () => {
      calls++;
      throw new UnrecoverableError('INVALID_IMAGE: not an ESP image');
    });
    const done = settled(worker, jobId);
    await queue.add(QueueName.Sign, signData(jobId), {
      jobId,
      attempts: 5,
      backoff: { type: 'exponential', delay: 50 },
    });
    const job = await done;

    expect(calls).toBe(1);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toBe('INVALID_IMAGE: not an ESP image');
  });

  it('reports completion through QueueEvents (its own connection)', async () => {
    const jobId = deterministicJobId(TENANT, 'events-1');
    const events = createQueueEvents(QueueName.Sign, requireTestEnv('redisUrl'), prefix);
    try {
      await events.waitUntilReady();
      startWorker(async (job) => signResult(job.data));
      const job = await queue.add(QueueName.Sign, signData(jobId), { jobId });
      const result = (await job.waitUntilFinished(events)) as SignJobResult;
      expect(result.signedKey).toBe(signedObjectKey(TENANT, jobId));
    } finally {
      await events.close();
    }
  });

  it('fails fast on a producer connection while Redis is unreachable', async () => {
    const dead = createRedisConnection('redis://127.0.0.1:1', 'producer');
    dead.on('error', () => undefined);
    try {
      await expect(dead.ping()).rejects.toThrow();
    } finally {
      dead.disconnect();
    }
  });
});
