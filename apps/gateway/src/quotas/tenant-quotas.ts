import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode } from '@fleetsign/errors';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpProblem } from '../http/http-problem';
import type { QuotaState } from './quota-headers';

const MINUTE_SEC = 60;
const DAY_SEC = 86_400;

/**
 * rate-limiter-flexible's increment script, made all-or-nothing: a consumption that does
 * not fit leaves the counter as it was (a refused batch takes nothing, a refused request
 * does not prolong the wait). Every limiter here uses it: the library registers its script
 * as one ioredis command per connection, so two different scripts would clash. A refund
 * (negative points) never creates a counter, so a refund after the day rolled over
 * cannot make the new day's count negative. ARGV: points, window seconds, limit.
 */
const ALL_OR_NOTHING_SCRIPT = `
local points = tonumber(ARGV[1])
if points < 0 and redis.call('exists', KEYS[1]) == 0 then return {0, 0} end
redis.call('set', KEYS[1], 0, 'EX', ARGV[2], 'NX')
local current = tonumber(redis.call('get', KEYS[1]))
local ttl = redis.call('pttl', KEYS[1])
if points > 0 and current + points > tonumber(ARGV[3]) then return {current + points, ttl} end
local consumed = redis.call('incrby', KEYS[1], points)
if ttl == -1 then
  redis.call('expire', KEYS[1], ARGV[2])
  ttl = 1000 * ARGV[2]
end
return {consumed, ttl}
`;

/** A 429 whose quota state goes into the RateLimit headers and whose wait goes into Retry-After. */
export class QuotaProblem extends HttpProblem {
  constructor(
    code: ErrorCode.RateLimited | ErrorCode.QuotaExceeded,
    message: string,
    readonly quota: QuotaState,
    readonly retryAfterSec: number,
  ) {
    super(429, code, message, { quota: { policy: quota.policy, limit: quota.limit, remaining: quota.remaining }, retryAfterSec });
  }
}

/** Signatures reserved for a submission; handed back with `release` when the submission is not accepted after all. */
export interface SignatureReservation {
  tenant: string;
  day: string;
  count: number;
  state: QuotaState;
}

/** The UTC day (YYYY-MM-DD) and the seconds left in it. */
function utcDay(now: Date): { day: string; secondsLeft: number } {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return { day: now.toISOString().slice(0, 10), secondsLeft: Math.max(1, Math.ceil((next - now.getTime()) / 1000)) };
}

/** Redis is away: quotas cannot be decided, so the request is a 503 like every other Redis-backed route, never a 429 or 500. */
function unavailable(): HttpProblem {
  return new HttpProblem(503, ErrorCode.ServiceUnavailable, 'Quotas cannot be checked right now (Redis does not answer); retry later');
}

/**
 * Per-tenant quotas, counted in Redis so every gateway replica shares them
 * (rate-limiter-flexible's RateLimiterRedis on the gateway's connection):
 * - requests per minute: fixed 60 s windows, each opened by the tenant's first request in it;
 *   every authenticated request counts, except those refused with 429;
 * - signatures per UTC day: images submitted for signing (a job 1, a batch its items),
 *   reserved whole or not at all; the counter resets at 00:00 UTC.
 */
export class TenantQuotas {
  private readonly requests = new Map<string, RateLimiterRedis>();
  private readonly signatures = new Map<string, RateLimiterRedis>();

  private readonly now: () => Date;
  private readonly onRefused: (tenant: string, code: QuotaProblem['code']) => void;

  constructor(
    redis: Redis,
    prefix: string,
    fleet: Pick<FleetSignConfig, 'tenants'>,
    options: { now?: () => Date; onRefused?: (tenant: string, code: QuotaProblem['code']) => void } = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.onRefused = options.onRefused ?? (() => undefined);
    for (const tenant of fleet.tenants) {
      const quotas = tenant.quotas;
      if (quotas?.requestsPerMinute !== undefined) {
        this.requests.set(
          tenant.name,
          new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:quota:requests`,
            points: quotas.requestsPerMinute,
            duration: MINUTE_SEC,
            rejectIfRedisNotReady: true,
            customIncrTtlLuaScript: ALL_OR_NOTHING_SCRIPT,
          }),
        );
      }
      if (quotas?.signaturesPerDay !== undefined) {
        this.signatures.set(
          tenant.name,
          new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:quota:signatures`,
            points: quotas.signaturesPerDay,
            duration: DAY_SEC,
            rejectIfRedisNotReady: true,
            customIncrTtlLuaScript: ALL_OR_NOTHING_SCRIPT,
          }),
        );
      }
    }
  }

  /**
   * Counts one request of the tenant; 429 RATE_LIMITED past its requests per minute.
   * Undefined: no such quota, or Redis is away. The count fails open then: routes that do
   * not need Redis (profiles, public keys, uploads) keep serving, and those that do answer
   * their own 503 SERVICE_UNAVAILABLE, never a 429 or 500.
   */
  async countRequest(tenant: string): Promise<QuotaState | undefined> {
    const limiter = this.requests.get(tenant);
    if (!limiter) return undefined;
    const state = (res: RateLimiterRes): QuotaState => ({
      policy: 'requests',
      limit: limiter.points,
      windowSec: MINUTE_SEC,
      remaining: res.remainingPoints,
      resetSec: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    });
    try {
      return state(await limiter.consume(tenant, 1));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) return undefined;
      const refused = state(err);
      this.onRefused(tenant, ErrorCode.RateLimited);
      throw new QuotaProblem(
        ErrorCode.RateLimited,
        `Tenant "${tenant}" sent more than ${limiter.points} requests this minute; retry in ${refused.resetSec} s`,
        refused,
        refused.resetSec,
      );
    }
  }

  /**
   * Reserves `count` signatures of the tenant's day, all or none: 429 QUOTA_EXCEEDED (nothing
   * reserved) when they do not fit. Undefined: the tenant has no such quota.
   */
  async reserveSignatures(tenant: string, count: number): Promise<SignatureReservation | undefined> {
    const limiter = this.signatures.get(tenant);
    if (!limiter) return undefined;
    const { day, secondsLeft } = utcDay(this.now());
    const state = (used: number): QuotaState => ({
      policy: 'signatures',
      limit: limiter.points,
      windowSec: DAY_SEC,
      remaining: Math.max(0, limiter.points - used),
      resetSec: secondsLeft,
    });
    // The counter outlives its day by a minute so a late refund still finds it.
    const options = { customDuration: secondsLeft + MINUTE_SEC };
    try {
      const res = await limiter.consume(`${tenant}:${day}`, count, options);
      return { tenant, day, count, state: state(res.consumedPoints) };
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw unavailable();
      const refused = state(err.consumedPoints - count);
      this.onRefused(tenant, ErrorCode.QuotaExceeded);
      throw new QuotaProblem(
        ErrorCode.QuotaExceeded,
        `Tenant "${tenant}" has ${refused.remaining} of ${limiter.points} signatures left today (UTC); ` +
          `this request needs ${count}; nothing was accepted`,
        refused,
        secondsLeft,
      );
    }
  }

  /** Hands back a reservation whose submission was not accepted (a replay, a conflict, a failed enqueue). */
  async release(reservation: SignatureReservation | undefined): Promise<void> {
    if (!reservation) return;
    const limiter = this.signatures.get(reservation.tenant);
    await limiter?.reward(`${reservation.tenant}:${reservation.day}`, reservation.count, { customDuration: DAY_SEC });
  }
}
