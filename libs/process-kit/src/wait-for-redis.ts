import type { Redis } from 'ioredis';

/** How long a process waits at start-up for Redis before going on (or giving up). */
export const REDIS_STARTUP_WAIT_MS = 10_000;

/**
 * Waits until `redis` is connected and ready, at most `timeoutMs`; true when it is.
 * ioredis keeps reconnecting on its own, so this only listens for 'ready'.
 */
export function waitForRedis(redis: Redis, timeoutMs = REDIS_STARTUP_WAIT_MS): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}
