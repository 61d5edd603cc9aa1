import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { Redis } from 'ioredis';

/** What FleetSign needs of Redis, in the words of the messages below. */
export const REDIS_PERSISTENCE_REQUIREMENT =
  'FleetSign needs a Redis that persists (AOF: appendonly yes with appendfsync everysec, or RDB snapshots), ' +
  'or accepted jobs and batches vanish when Redis restarts';

/** How a Redis keeps its data, as its CONFIG says. */
export type RedisPersistence =
  | { state: 'persistent'; appendonly: boolean; save: string }
  | { state: 'volatile' }
  /** CONFIG is denied (managed Redis, ACL): persistence cannot be checked here. */
  | { state: 'unknown'; reason: string };

/** What to say about the outcome; `warn` gets a line when the check cannot tell, or is overridden. */
export interface RedisPersistenceCheckOptions {
  /** FLEETSIGN_REDIS_ALLOW_VOLATILE: accept a volatile Redis (tests only). */
  allowVolatile?: boolean;
  /** Which process checks, for the messages ('gateway', 'signer', 'notifier'). */
  process: string;
  warn: (message: string) => void;
}

function configValue(reply: unknown): string | undefined {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}

/** Reads `appendonly` and `save` with CONFIG GET. */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence> {
  let appendonly: string | undefined;
  let save: string | undefined;
  try {
    appendonly = configValue(await redis.config('GET', 'appendonly'));
    save = configValue(await redis.config('GET', 'save'));
  } catch (err) {
    // NOPERM (ACL), "unknown command" (CONFIG renamed away): only the reason, never the URL.
    return { state: 'unknown', reason: (err as Error).message.split('\n')[0] };
  }
  if (appendonly === undefined || save === undefined) return { state: 'unknown', reason: 'CONFIG GET returned no value' };
  const aof = appendonly === 'yes';
  if (!aof && save.trim() === '') return { state: 'volatile' };
  return { state: 'persistent', appendonly: aof, save };
}

/**
 * The start-up check every FleetSign process makes on its Redis: persistent passes; a
 * Redis that denies CONFIG passes with a warning naming the requirement; a volatile one
 * is refused (InvalidConfig, one line) unless `allowVolatile`, then warned about.
 */
export async function checkRedisPersistence(redis: Redis, options: RedisPersistenceCheckOptions): Promise<RedisPersistence> {
  const persistence = await redisPersistence(redis);
  if (persistence.state === 'unknown') {
    options.warn(`${options.process}: cannot check that Redis persists (CONFIG GET: ${persistence.reason}); ${REDIS_PERSISTENCE_REQUIREMENT}`);
  } else if (persistence.state === 'volatile') {
    if (!options.allowVolatile) {
      throw new FleetSignError(
        ErrorCode.InvalidConfig,
        `Redis persists nothing (appendonly no, save ""): ${REDIS_PERSISTENCE_REQUIREMENT}; set appendonly yes, or FLEETSIGN_REDIS_ALLOW_VOLATILE=true for tests`,
        { setting: 'FLEETSIGN_REDIS_ALLOW_VOLATILE' },
      );
    }
    options.warn(`${options.process}: Redis persists nothing and FLEETSIGN_REDIS_ALLOW_VOLATILE=true: a Redis restart loses accepted jobs (tests only)`);
  }
  return persistence;
}
