import { hostname } from 'node:os';
import {
  SIGNER_HEALTH_INTERVAL_MS,
  type SignerProfileHealth,
  type SignerSessionStats,
  publishSignerHealth,
  withdrawSignerHealth,
} from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ProfileKeyRegistry } from '../keys/profile-key-registry';
import type { OpenProfile } from '../keys/profile-keys';

/** The session pool figures a PKCS#11 key offers (other providers have none). */
interface PooledKey {
  poolStats(): SignerSessionStats;
}

function isPooled(signer: object): signer is PooledKey {
  return typeof (signer as Partial<PooledKey>).poolStats === 'function';
}

/** The PKCS#11 session pools of a profile's keys, summed; undefined when none of its keys has one. */
export function profileSessions(profile: OpenProfile): SignerSessionStats | undefined {
  const pools = profile.keys.flatMap((key) => (isPooled(key.signer) ? [key.signer.poolStats()] : []));
  if (pools.length === 0) return undefined;
  const sum = (field: keyof SignerSessionStats) => pools.reduce((total, pool) => total + pool[field], 0);
  return { size: sum('size'), open: sum('open'), idle: sum('idle'), busy: sum('busy'), waiting: sum('waiting') };
}

/**
 * Reports this signer's profiles (state, keys, PKCS#11 sessions) to Redis every
 * SIGNER_HEALTH_INTERVAL_MS for the operator console; withdraws the report on stop.
 * A failed report is logged and tried again at the next tick: it never stops signing.
 */
export class SignerHealthReporter {
  readonly instance = `${hostname()}:${process.pid}`;
  private readonly startedAt = new Date().toISOString();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly registry: Pick<ProfileKeyRegistry, 'status' | 'availableProfiles'>,
    private readonly logger: Logger,
  ) {}

  /** The report as it stands now. */
  profiles(): SignerProfileHealth[] {
    const open = new Map(this.registry.availableProfiles().map((profile) => [profile.name, profile]));
    return this.registry.status().map((status): SignerProfileHealth => {
      if (status.state === 'available') {
        const profile = open.get(status.name);
        const sessions = profile ? profileSessions(profile) : undefined;
        return { name: status.name, state: 'available', keys: status.keys, ...(sessions ? { sessions } : {}) };
      }
      if (status.state === 'revoked') return { name: status.name, state: 'revoked' };
      return { name: status.name, state: 'unavailable', error: { code: status.error.code, message: status.error.message } };
    });
  }

  async report(): Promise<void> {
    await publishSignerHealth(this.redis, this.prefix, {
      instance: this.instance,
      startedAt: this.startedAt,
      reportedAt: new Date().toISOString(),
      profiles: this.profiles(),
    });
  }

  async start(): Promise<void> {
    await this.report().catch((err: unknown) => this.logger.warn({ err }, 'could not report signer health'));
    this.timer = setInterval(() => {
      this.report().catch((err: unknown) => this.logger.warn({ err }, 'could not report signer health'));
    }, SIGNER_HEALTH_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await withdrawSignerHealth(this.redis, this.prefix, this.instance).catch(() => undefined);
  }
}
