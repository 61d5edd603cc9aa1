import { z } from 'zod';
import { type Env, flag, parseEnvSettings } from './env-settings';

/** Redis connection for the queues and job state. */
export interface RedisConfig {
  /** redis:// or rediss:// URL (credentials may sit in the URL; never log it whole). */
  url: string;
  /** Key prefix for every queue, always a `{hash tag}` so a queue's keys share one Redis Cluster slot. */
  prefix: string;
  /**
   * Start on a Redis that persists nothing (tests only): accepted jobs and batches
   * vanish when such a Redis restarts, so processes refuse it unless this is set.
   */
  allowVolatile?: boolean;
}

export const REDIS_ENV = { url: 'REDIS_URL', prefix: 'FLEETSIGN_REDIS_PREFIX', allowVolatile: 'FLEETSIGN_REDIS_ALLOW_VOLATILE' } as const;

const redisSchema = z.object({
  url: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .default('redis://127.0.0.1:6379'),
  prefix: z
    .string()
    .regex(
      /^(\{[^\s{}]+\}|[^\s{}]+)$/,
      'must be a name without blanks, bare (fleetsign) or in braces ({fleetsign})',
    )
    .transform((prefix) => (prefix.startsWith('{') ? prefix : `{${prefix}}`))
    .default('{fleetsign}'),
  allowVolatile: flag().optional(),
});

/**
 * Redis settings from REDIS_URL (default redis://127.0.0.1:6379), FLEETSIGN_REDIS_PREFIX
 * (default {fleetsign}; a bare name is wrapped in braces) and
 * FLEETSIGN_REDIS_ALLOW_VOLATILE (true: start on a Redis without persistence; tests only).
 */
export function loadRedisConfig(env: Env = process.env): RedisConfig {
  const { allowVolatile, ...rest } = parseEnvSettings(redisSchema, REDIS_ENV, env);
  return { ...rest, ...(allowVolatile ? { allowVolatile } : {}) };
}
