import { provideRedis } from '@fleetsign/devstack';
import { Redis } from 'ioredis';
import type { DemoPaths } from './demo-paths';

/** The Redis a demo run uses. */
export interface DemoRedis {
  url: string;
  /** Queue prefix of this run (bare; services wrap it in braces). */
  prefix: string;
  /** For the summary: where it runs, without credentials. */
  description: string;
  /** Local: stops the server. REDIS_URL: deletes this run's keys (call after the services stopped). */
  release(): Promise<void>;
}

/** Most SCAN rounds when cleaning a shared Redis: bounds the cleanup on a huge keyspace. */
const MAX_SCAN_ROUNDS = 10_000;

/** Deletes every key of a run's prefix from a shared Redis. */
async function deletePrefixKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    enableOfflineQueue: false,
  });
  try {
    await redis.connect();
    let cursor = '0';
    for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * REDIS_URL when set (a shared Redis: this run's keys live under its own prefix and
 * are deleted afterwards), else a private redis-server started for the run.
 */
export async function provideDemoRedis(
  paths: DemoPaths,
  runId: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DemoRedis> {
  const prefix = `fleetsign-demo-${runId}`;
  const redis = await provideRedis({ dir: paths.redisDir, logPath: paths.redisLog }, env);
  return {
    url: redis.url,
    prefix,
    description: redis.external ? `${redis.description} (prefix {${prefix}})` : redis.description,
    release: () => (redis.external ? deletePrefixKeys(redis.url, prefix) : redis.stop()),
  };
}
