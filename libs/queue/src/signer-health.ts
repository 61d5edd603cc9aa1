import type { Redis } from 'ioredis';
import { z } from 'zod';

// Signer health as the operator console reads it: each running signer reports, every
// SIGNER_HEALTH_INTERVAL_MS, its profiles (available or not, keys, PKCS#11 sessions) into
// Redis. A report older than SIGNER_HEALTH_TTL_MS is of a signer that stopped or hangs:
// its record expires by itself and readers skip it. One key layout, one codec, here.

/** How often a signer reports. */
export const SIGNER_HEALTH_INTERVAL_MS = 10_000;
/** How long a report stays valid: three missed reports and the signer is gone. */
export const SIGNER_HEALTH_TTL_MS = 3 * SIGNER_HEALTH_INTERVAL_MS;
/** Most signers a reader lists. */
export const MAX_LISTED_SIGNERS = 100;

const sessionsSchema = z.object({
  size: z.number().int(),
  open: z.number().int(),
  idle: z.number().int(),
  busy: z.number().int(),
  waiting: z.number().int(),
});

const profileHealthSchema = z.object({
  name: z.string(),
  state: z.enum(['available', 'unavailable', 'revoked']),
  /** Keys open for the profile (available profiles). */
  keys: z.number().int().optional(),
  /** Why the profile cannot sign (unavailable profiles): an ErrorCode and its message. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** PKCS#11 session pools of the profile's token keys, summed (absent for KMS and PEM keys). */
  sessions: sessionsSchema.optional(),
});

const signerHealthSchema = z.object({
  /** `<host>:<pid>`, unique among running signers. */
  instance: z.string().min(1),
  startedAt: z.string(),
  reportedAt: z.string(),
  profiles: z.array(profileHealthSchema),
});

export type SignerSessionStats = z.infer<typeof sessionsSchema>;
export type SignerProfileHealth = z.infer<typeof profileHealthSchema>;
export type SignerHealthReport = z.infer<typeof signerHealthSchema>;

function indexKey(prefix: string): string {
  return `${prefix}:signer-health`;
}

function reportKey(prefix: string, instance: string): string {
  return `${prefix}:signer-health:${instance}`;
}

/** Stores a signer's report (expiring after the TTL) and drops index entries of signers that stopped reporting. */
export async function publishSignerHealth(redis: Redis, prefix: string, report: SignerHealthReport, now = Date.now()): Promise<void> {
  const checked = signerHealthSchema.parse(report);
  await redis
    .multi()
    .set(reportKey(prefix, checked.instance), JSON.stringify(checked), 'PX', SIGNER_HEALTH_TTL_MS)
    .zadd(indexKey(prefix), now, checked.instance)
    .zremrangebyscore(indexKey(prefix), '-inf', now - SIGNER_HEALTH_TTL_MS)
    .exec();
}

/** Removes a stopping signer's report at once. */
export async function withdrawSignerHealth(redis: Redis, prefix: string, instance: string): Promise<void> {
  await redis.multi().del(reportKey(prefix, instance)).zrem(indexKey(prefix), instance).exec();
}

/** The reports of the signers that reported within the TTL, most recent first; malformed records are skipped. */
export async function readSignerHealth(redis: Redis, prefix: string, now = Date.now()): Promise<SignerHealthReport[]> {
  const instances = await redis.zrevrangebyscore(indexKey(prefix), '+inf', now - SIGNER_HEALTH_TTL_MS, 'LIMIT', 0, MAX_LISTED_SIGNERS);
  if (instances.length === 0) return [];
  const texts = await redis.mget(instances.map((instance) => reportKey(prefix, instance)));
  return texts.flatMap((text) => {
    if (text === null) return [];
    try {
      const parsed = signerHealthSchema.safeParse(JSON.parse(text));
      return parsed.success ? [parsed.data] : [];
    } catch {
      return [];
    }
  });
}
