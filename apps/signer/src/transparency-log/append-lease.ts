import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { Redis } from 'ioredis';

// One appender at a time writes to the log. The lease only keeps signers from racing
// for the same position (which would cost a read-back each); correctness does not rest
// on it: groups are created create-only at the position where the log ends, so an
// appender whose lease ran out while it was paused cannot overwrite anything. A signer
// killed while holding the lease blocks others for at most the lease time.
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type RedisWithRelease = Redis & { fleetsignLogRelease(key: string, token: string): Promise<number> };

/** How long a lease lasts unless released. */
export const LOG_LEASE_MS = 5_000;
/** How long an appender waits for the lease before failing the attempt (the job retries). */
const LOG_LEASE_WAIT_MS = 60_000;

export class AppendLease {
  private readonly redis: RedisWithRelease;

  /** `name`: which lease (`lease` for appends; the checkpointer holds its own, so signing a checkpoint never stops appends). */
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly name = 'lease',
  ) {
    redis.defineCommand('fleetsignLogRelease', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
    this.redis = redis as RedisWithRelease;
  }

  private get key(): string {
    return `${this.prefix}:tlog:${this.name}`;
  }

  /** Runs `work` while holding the lease. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    const token = randomBytes(16).toString('hex');
    const deadline = Date.now() + LOG_LEASE_WAIT_MS;
    // Short waits: a group commit holds the lease for milliseconds, and a long nap here is pure latency.
    for (let wait = 1; ; wait = Math.min(wait * 2, 5)) {
      if ((await this.redis.set(this.key, token, 'PX', LOG_LEASE_MS, 'NX')) === 'OK') break;
      if (Date.now() > deadline) throw new FleetSignError(ErrorCode.Internal, 'transparency log lease not obtained in time');
      await delay(wait);
    }
    try {
      return await work();
    } finally {
      await this.redis.fleetsignLogRelease(this.key, token).catch(() => undefined);
    }
  }
}
