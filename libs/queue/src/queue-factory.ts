import {
  Queue,
  QueueEvents,
  Worker,
  type Job,
  type Processor,
  type RedisOptions as BullRedisOptions,
  type WorkerOptions,
} from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobPayloads, JobResults } from './job-map';
import { DEFAULT_JOB_OPTIONS } from './job-options';
import type { QueueName } from './queue-name';
import { redisConnectionOptions } from './redis-connection';

/** A BullMQ queue typed by FleetSign's payload map; the job name is the queue name. */
export type FleetSignQueue<N extends QueueName> = Queue<JobPayloads[N], JobResults[N], N>;
/** A BullMQ worker typed by FleetSign's payload map. */
export type FleetSignWorker<N extends QueueName> = Worker<JobPayloads[N], JobResults[N], N>;
/** A job of queue `N`. */
export type FleetSignJob<N extends QueueName> = Job<JobPayloads[N], JobResults[N], N>;
/** The processor of queue `N`: throw to retry, throw `UnrecoverableError` to fail for good. */
export type FleetSignProcessor<N extends QueueName> = Processor<JobPayloads[N], JobResults[N], N>;

/** Worker options; `connection` must come from `createRedisConnection(url, 'worker')`. */
export type FleetSignWorkerOptions = Omit<WorkerOptions, 'connection' | 'prefix'> & {
  connection: Redis;
  prefix: string;
};

/**
 * Opens queue `name` for adding jobs, with that queue's default job options.
 * The connection is shared, not owned: close the queue, then quit the connection.
 */
export function createQueue<N extends QueueName>(
  name: N,
  connection: Redis,
  prefix: string,
): FleetSignQueue<N> {
  return new Queue<JobPayloads[N], JobResults[N], N>(name, {
    connection,
    prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS[name],
  });
}

/**
 * Starts a worker on queue `name` (unless `autorun: false`). BullMQ duplicates the
 * connection for its blocking reads; the given one stays the caller's to quit.
 */
export function createWorker<N extends QueueName>(
  name: N,
  processor: FleetSignProcessor<N>,
  opts: FleetSignWorkerOptions,
): FleetSignWorker<N> {
  return new Worker<JobPayloads[N], JobResults[N], N>(name, processor, opts);
}

/**
 * Listens to queue `name`'s event stream. It gets its own connection to `redisUrl`
 * because it blocks on it and closes it with `close()`.
 */
export function createQueueEvents(name: QueueName, redisUrl: string, prefix: string): QueueEvents {
  // ioredis types allow a null retryStrategy, BullMQ's do not; ours never sets one.
  const { retryStrategy: _retryStrategy, ...options } = redisConnectionOptions('worker');
  const connection: BullRedisOptions = { url: redisUrl, ...options };
  return new QueueEvents(name, { connection, prefix });
}
