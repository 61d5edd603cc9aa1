import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

// Deletes or extends the lease only while this holder still owns it.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** How long a lease lasts without renewal: a gateway that dies mid-run frees it this soon. */
export const RECONCILE_LEASE_MS = 60_000;

/**
 * The Redis lease that lets one gateway replica reconcile at a time. Renewed every third
 * of its duration while held; released by its holder only.
 */
export class ReconcileLease {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly durationMs = RECONCILE_LEASE_MS,
  ) {}

  /** Runs `work` holding the lease; undefined (nothing run) when another holder has it. */
  async hold<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const token = randomUUID();
    const taken = await this.redis.set(this.key, token, 'PX', this.durationMs, 'NX');
    if (taken !== 'OK') return { ran: false };
    const renew = setInterval(() => {
      this.redis.eval(RENEW_SCRIPT, 1, this.key, token, this.durationMs).catch(() => undefined);
    }, Math.floor(this.durationMs / 3));
    renew.unref();
    try {
      return { ran: true, value: await work() };
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE_SCRIPT, 1, this.key, token).catch(() => undefined);
    }
  }
}
