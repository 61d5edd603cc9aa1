import { QueueName, createQueue, createRedisConnection, type SignJobTimings } from '@fleetsign/queue';
import { quantile, runPool } from '../core/measure';
import type { FleetStack } from '../stack/fleet-stack';

/** What BullMQ holds of one finished sign job: its times and the signer's per-step timings. */
export interface JobRecord {
  id: string;
  /** Epoch ms when the job was added, when its (last) attempt started and when it finished. */
  addedAt: number;
  processedOn?: number;
  finishedOn?: number;
  attemptsMade: number;
  timings?: SignJobTimings;
}

/** Jobs read from Redis at once. */
const READ_CONCURRENCY = 32;

/** Reads the sign jobs `jobIds` of the stack's queue straight from Redis (after they finished). */
export async function readJobRecords(stack: FleetStack, jobIds: readonly string[]): Promise<JobRecord[]> {
  const connection = createRedisConnection(stack.redisUrl, 'producer');
  const queue = createQueue(QueueName.Sign, connection, stack.redisPrefix);
  try {
    const records: JobRecord[] = [];
    await runPool(jobIds.length, READ_CONCURRENCY, async (index) => {
      const job = await queue.getJob(jobIds[index]);
      if (!job) return;
      records.push({
        id: jobIds[index],
        addedAt: job.timestamp,
        ...(job.processedOn ? { processedOn: job.processedOn } : {}),
        ...(job.finishedOn ? { finishedOn: job.finishedOn } : {}),
        attemptsMade: job.attemptsMade,
        ...(job.returnvalue?.timings ? { timings: job.returnvalue.timings } : {}),
      });
    });
    return records;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Where the signers' time went, from the jobs' own records. */
export interface JobTimeBreakdown {
  jobs: number;
  /** Jobs that needed more than one attempt. */
  retried: number;
  /** Mean ms per job in the signer's pipeline steps (job result timings); other = total - fetch - sign - store. */
  pipelineMeanMs: { fetch: number; sign: number; store: number; other: number; total: number };
  pipelineP50Ms: number;
  pipelineP99Ms: number;
  /** Mean ms from the worker taking the job to BullMQ marking it finished (pipeline + batch accounting + queue bookkeeping). */
  workerMeanMs: number;
  /** Seconds from the first job taken to the last job finished. */
  busySeconds: number;
  /** Average jobs in progress over that window (sum of worker time / window). */
  averageInProgress: number;
  /** Most jobs in progress at one moment: the concurrency the signers really ran at. */
  peakInProgress: number;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Most intervals [start, end) open at once; an interval ending when another starts does not overlap it. */
function peakOverlap(intervals: ReadonlyArray<readonly [number, number]>): number {
  const edges = intervals.flatMap(([start, end]): Array<[number, number]> => [
    [start, 1],
    [end, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, step] of edges) {
    open += step;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Summarises job records: per-step means from the signer, and how many jobs ran at once. */
export function jobTimeBreakdown(records: readonly JobRecord[]): JobTimeBreakdown {
  const timed = records.filter((record) => record.timings);
  const timings = timed.map((record) => record.timings!);
  const worked = records.filter(
    (record) => record.processedOn !== undefined && record.finishedOn !== undefined,
  );
  const workerMs = worked.map((record) => record.finishedOn! - record.processedOn!);
  const from = Math.min(...worked.map((record) => record.processedOn!));
  const to = Math.max(...worked.map((record) => record.finishedOn!));
  const busyMs = Math.max(1, to - from);
  const averageInProgress = workerMs.reduce((sum, ms) => sum + ms, 0) / busyMs;
  const fetch = mean(timings.map((t) => t.fetchMs));
  const sign = mean(timings.map((t) => t.signMs));
  const store = mean(timings.map((t) => t.storeMs));
  const total = mean(timings.map((t) => t.totalMs));
  return {
    jobs: records.length,
    retried: records.filter((record) => record.attemptsMade > 1).length,
    pipelineMeanMs: {
      fetch: round(fetch),
      sign: round(sign),
      store: round(store),
      other: round(total - fetch - sign - store),
      total: round(total),
    },
    pipelineP50Ms: round(
      quantile(
        timings.map((t) => t.totalMs),
        0.5,
      ),
    ),
    pipelineP99Ms: round(
      quantile(
        timings.map((t) => t.totalMs),
        0.99,
      ),
    ),
    workerMeanMs: round(mean(workerMs)),
    busySeconds: round(busyMs / 1000, 3),
    averageInProgress: round(averageInProgress),
    peakInProgress: peakOverlap(worked.map((record) => [record.processedOn!, record.finishedOn!] as const)),
  };
}
