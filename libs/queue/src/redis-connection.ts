import { Redis, type RedisOptions } from 'ioredis';

/** What a connection is for: workers block and must ride out reconnects; producers must fail fast. */
export type RedisRole = 'worker' | 'producer';

/** Producers give up after this many retries per command, so an HTTP request sees the outage. */
export const PRODUCER_MAX_RETRIES_PER_REQUEST = 1;
/** Connect timeout for every FleetSign Redis connection, in milliseconds. */
export const REDIS_CONNECT_TIMEOUT_MS = 10_000;

/**
 * ioredis options for a role. Workers (and QueueEvents): `maxRetriesPerRequest: null`
 * as BullMQ requires for blocking commands. Producers: no offline queue and few
 * retries, so `queue.add` fails at once while Redis is unreachable.
 */
export function redisConnectionOptions(role: RedisRole): RedisOptions {
  const common: RedisOptions = {
    connectionName: `fleetsign-${role}`,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    enableReadyCheck: true,
  };
  if (role === 'worker') return { ...common, maxRetriesPerRequest: null };
  return { ...common, maxRetriesPerRequest: PRODUCER_MAX_RETRIES_PER_REQUEST, enableOfflineQueue: false };
}

/** Opens an ioredis connection to `url` (redis:// or rediss://) configured for `role`. */
export function createRedisConnection(url: string, role: RedisRole): Redis {
  return new Redis(url, redisConnectionOptions(role));
}

/** ioredis error names and texts that mean "Redis cannot be reached now", not "the command was wrong". */
const UNAVAILABLE_NAMES = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const UNAVAILABLE_TEXT = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|connect ETIMEDOUT|LOADING|READONLY/;

/** True when `err` says Redis is unreachable or not serving (a fault to retry later). */
export function isRedisUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return UNAVAILABLE_NAMES.has(err.name) || UNAVAILABLE_TEXT.test(err.message);
}
