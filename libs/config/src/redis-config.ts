import { z } from 'zod';
import { type Env, parseEnvSettings } from './env-settings';

/** Redis connection for the queues and job state. */
export interface RedisConfig {
  /** redis:// or rediss:// URL (credentials may sit in the URL; never log it whole). */
  url: string;
  /** Key prefix for every queue, always a `{hash tag}` so a queue's keys share one Redis Cluster slot. */
  prefix: string;
}

export const REDIS_ENV = { url: 'REDIS_URL', prefix: 'FLEETSIGN_REDIS_PREFIX' } as const;

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
});

/**
 * Redis settings from REDIS_URL (default redis://127.0.0.1:6379) and FLEETSIGN_REDIS_PREFIX
 * (default {fleetsign}; a bare name is wrapped in braces).
 */
export function loadRedisConfig(env: Env = process.env): RedisConfig {
  return parseEnvSettings(redisSchema, REDIS_ENV, env);
}
