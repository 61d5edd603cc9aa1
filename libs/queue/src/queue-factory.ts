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
import { DEFAULT_RETRY_POLICY, type RetryPolicy, signRetryBackoff } from './retry-policy';
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
  /** Retry policy of sign jobs (default DEFAULT_RETRY_POLICY); other queues use BullMQ's built-in backoff. */
  retry?: RetryPolicy;
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
 * Starts a worker on queue `name` (unless `autorun: false`), with the sign queue's
 * backoff strategy (sign jobs name it; a worker without it could not retry them). BullMQ duplicates the
 * connection for its blocking reads; the given one stays the caller's to quit.
 */
export function createWorker<N extends QueueName>(
  name: N,
  processor: FleetSignProcessor<N>,
  opts: FleetSignWorkerOptions,
): FleetSignWorker<N> {
  const { retry, ...workerOpts } = opts;
  const settings = { ...workerOpts.settings, backoffStrategy: signRetryBackoff(retry ?? DEFAULT_RETRY_POLICY) };
  return new Worker<JobPayloads[N], JobResults[N], N>(name, processor, { ...workerOpts, settings });
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
