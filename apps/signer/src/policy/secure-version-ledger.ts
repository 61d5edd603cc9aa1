import type { AntiRollbackConfig } from '@fleetsign/config';
import type { Redis } from 'ioredis';

// The highest secure_version signed per (profile, project name), kept in Redis next to
// the queues. The check and the raise are one script, so signers racing on the same
// project see each other's decisions. A version is raised when the signing is decided
// (before the HSM signs): a retry of the same job carries the same version and passes.

/** Redis hash of a profile's highest secure versions, one field per project name. */
export function secureVersionRedisKey(prefix: string, profile: string): string {
  return `${prefix}:policy:secure-version:${profile}`;
}

// KEYS[1] ledger hash. ARGV: project, candidate, floor (-1: none), monotonic (1/0), max step (-1: none).
// Returns {verdict, highest (-1: none), base of the step check (-1: none)}.
const CHECK_AND_RAISE_SCRIPT = `
local candidate = tonumber(ARGV[2])
local floor = tonumber(ARGV[3])
local maxStep = tonumber(ARGV[5])
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local highest = -1
if stored then highest = tonumber(stored) end
if floor >= 0 and candidate < floor then return {'below-floor', highest, -1} end
if ARGV[4] == '1' and highest >= 0 and candidate < highest then return {'below-highest', highest, -1} end
local base = highest
if base < 0 then base = floor end
if maxStep >= 0 and base >= 0 and candidate - base > maxStep then return {'step', highest, base} end
if candidate > highest then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return {'ok', highest, base}
`;

/** What the ledger decided for one image. */
export type SecureVersionVerdict =
  | { verdict: 'ok'; previous?: number }
  | { verdict: 'below-floor'; floor: number; previous?: number }
  | { verdict: 'below-highest'; previous: number }
  | { verdict: 'step'; base: number; maxStep: number; previous?: number };

type RawVerdict = [string, number, number];
type RedisWithLedger = Redis & {
  fleetsignSecureVersion(key: string, project: string, candidate: number, floor: number, monotonic: string, maxStep: number): Promise<RawVerdict>;
};

/** Checks app images' secure versions against a profile's anti-rollback rule and records the highest signed. */
export class SecureVersionLedger {
  private readonly redis: RedisWithLedger;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('fleetsignSecureVersion', { numberOfKeys: 1, lua: CHECK_AND_RAISE_SCRIPT });
    this.redis = redis as RedisWithLedger;
  }

  /** Decides on `secureVersion` of `project` under `rule`; on 'ok' the project's highest is raised to it. */
  async checkAndRaise(profile: string, project: string, secureVersion: number, rule: AntiRollbackConfig): Promise<SecureVersionVerdict> {
    const [verdict, highest, base] = await this.redis.fleetsignSecureVersion(
      secureVersionRedisKey(this.prefix, profile),
      project,
      secureVersion,
      rule.minSecureVersion ?? -1,
      rule.monotonic ? '1' : '0',
      rule.maxStep ?? -1,
    );
    const previous = highest >= 0 ? { previous: highest } : {};
    switch (verdict) {
      case 'ok':
        return { verdict: 'ok', ...previous };
      case 'below-floor':
        return { verdict: 'below-floor', floor: rule.minSecureVersion ?? 0, ...previous };
      case 'below-highest':
        return { verdict: 'below-highest', previous: highest };
      case 'step':
        return { verdict: 'step', base, maxStep: rule.maxStep ?? 0, ...previous };
      default:
        throw new Error(`secure version ledger answered ${verdict}`);
    }
  }

  /** The highest secure_version signed for `project` with `profile`; undefined when none was. */
  async highest(profile: string, project: string): Promise<number | undefined> {
    const stored = await this.redis.hget(secureVersionRedisKey(this.prefix, profile), project);
    return stored === null ? undefined : Number(stored);
  }
}
