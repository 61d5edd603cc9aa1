import { type LocalRedisOptions, startLocalRedis } from '../local-redis';

/** The Redis a fleet runs on. */
export interface FleetRedis {
  url: string;
  /** True for REDIS_URL: a server somebody else runs (never stopped here). */
  external: boolean;
  /** Where it runs, without credentials, for progress output. */
  description: string;
  /** Stops a server started here; nothing for REDIS_URL. */
  stop(): Promise<void>;
}

/** REDIS_URL when set, else a private redis-server started in `local.dir` (its data stays there). */
export async function provideRedis(
  local: LocalRedisOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FleetRedis> {
  const external = env.REDIS_URL?.trim();
  if (external) {
    const parsed = new URL(external);
    return {
      url: external,
      external: true,
      description: `REDIS_URL ${parsed.hostname}:${parsed.port || 6379}`,
      stop: async () => undefined,
    };
  }
  const redis = await startLocalRedis(local);
  return {
    url: redis.url,
    external: false,
    description: `local redis-server on 127.0.0.1:${redis.port} (data in ${local.dir})`,
    stop: () => redis.stop(),
  };
}
