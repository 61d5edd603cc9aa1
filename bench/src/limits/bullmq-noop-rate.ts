import { randomBytes, randomUUID } from 'node:crypto';
import {
  createQueue,
  createRedisConnection,
  createWorker,
  QueueName,
  type SignJobData,
  type SignJobResult,
} from '@fleetsign/queue';
import { makeFigure } from '../core/figures';
import { nowMs } from '../core/measure';
import { progress } from '../core/progress';
import type { Scenario } from '../core/scenario';

/** Id of the no-op job rate figure. */
export const BULLMQ_NOOP_RATE_ID = 'limit.bullmq.noop.jobs_per_s';
/** Label of that figure, also the limit's name in other figures. */
export const BULLMQ_NOOP_RATE_LABEL = 'BullMQ no-op sign jobs/s (concurrency 50)';
const WORKER_CONCURRENCY = 50;
const ADD_CHUNK = 1_000;
/** Upper bound of the drain, so a stuck worker fails the scenario instead of hanging the run. */
const DRAIN_TIMEOUT_MS = 180_000;

/** A sign job as the gateway adds it (same size and shape), pointing nowhere. */
function sampleJobData(index: number): { jobId: string; data: SignJobData } {
  const jobId = `job_${randomUUID().replace(/-/g, '')}`;
  return {
    jobId,
    data: {
      tenant: 'bench',
      profile: 'bench-ecdsa-p256',
      source: { key: `incoming/bench/${randomUUID()}.bin`, sha256: randomBytes(32).toString('hex') },
      signedKey: `signed/bench/${jobId}.bin`,
      webhook: { url: 'http://127.0.0.1:9/hook', eventId: `evt_${jobId}` },
      metadata: { item: String(index) },
      requestedAt: new Date().toISOString(),
    },
  };
}

/** What a real sign job returns, so completed jobs weigh in Redis what real ones do. */
const NOOP_RESULT: SignJobResult = {
  imageSha256: '00'.repeat(32),
  signedSha256: '11'.repeat(32),
  signedKey: 'signed/bench/job_noop.bin',
  signedSize: 69_632,
  signedDataLength: 65_536,
  scheme: 'sbv2-ecdsa-p256',
  blocks: [{ index: 0, keyDigest: '22'.repeat(32), algorithm: 'ecdsa-p256' }],
  log: { index: 0, leafHash: '00'.repeat(32) },
  timings: { fetchMs: 0, signMs: 0, storeMs: 0, totalMs: 0 },
};

/**
 * The queue's limit: sign jobs of the real shape added with addBulk (rate reported too),
 * then drained by a worker whose processor does nothing, at concurrency 50. Jobs
 * finished during warm-up are not counted.
 */
export const bullmqNoopRateScenario: Scenario = {
  name: 'limit-bullmq',
  title: 'BullMQ no-op jobs/s (addBulk, worker concurrency 50)',
  async run(ctx) {
    const redis = await ctx.redis();
    const total = ctx.quick ? 10_000 : 40_000;
    const warmup = ctx.quick ? 1_000 : 4_000;
    const prefix = `{bench-noop-${randomBytes(4).toString('hex')}}`;
    const producer = createRedisConnection(redis.url, 'producer');
    const workerConnection = createRedisConnection(redis.url, 'worker');
    const queue = createQueue(QueueName.Sign, producer, prefix);
    const worker = createWorker(QueueName.Sign, async () => NOOP_RESULT, {
      connection: workerConnection,
      prefix,
      concurrency: WORKER_CONCURRENCY,
      autorun: false,
    });
    try {
      await queue.waitUntilReady();
      const addStart = nowMs();
      for (let added = 0; added < total; added += ADD_CHUNK) {
        const chunk = Array.from({ length: Math.min(ADD_CHUNK, total - added) }, (_, i) =>
          sampleJobData(added + i),
        );
        await queue.addBulk(
          chunk.map(({ jobId, data }) => ({ name: QueueName.Sign, data, opts: { jobId } })),
        );
      }
      const addSeconds = (nowMs() - addStart) / 1000;
      progress(`  addBulk: ${total} jobs in ${addSeconds.toFixed(2)} s`);

      let completed = 0;
      let warmEnd = 0;
      let end = 0;
      const drained = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no-op worker finished only ${completed} of ${total} jobs in ${DRAIN_TIMEOUT_MS / 1000} s`,
              ),
            ),
          DRAIN_TIMEOUT_MS,
        );
        worker.on('completed', () => {
          completed++;
          if (completed === warmup) warmEnd = nowMs();
          if (completed === total) {
            end = nowMs();
            clearTimeout(timer);
            resolve();
          }
        });
        worker.on('failed', (_job, err) => reject(err));
      });
      void worker.run();
      await drained;
      const seconds = (end - warmEnd) / 1000;
      const rate = (total - warmup) / seconds;
      progress(`  no-op worker: ${rate.toFixed(0)} jobs/s`);
      return {
        figures: [
          makeFigure({
            id: BULLMQ_NOOP_RATE_ID,
            label: BULLMQ_NOOP_RATE_LABEL,
            unit: 'jobs/s',
            value: rate,
            details: { jobs: total - warmup, warmupJobs: warmup, seconds, concurrency: WORKER_CONCURRENCY },
          }),
          makeFigure({
            id: 'limit.bullmq.addbulk.jobs_per_s',
            label: `BullMQ addBulk, chunks of ${ADD_CHUNK}`,
            unit: 'jobs/s',
            value: total / addSeconds,
            details: { jobs: total, seconds: addSeconds },
          }),
        ],
      };
    } finally {
      await worker.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      producer.disconnect();
      workerConnection.disconnect();
    }
  },
};
