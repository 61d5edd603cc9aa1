import type { UsageLimitConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyUsageFacts } from '@fleetsign/queue';
import { type KeyUsageLedger, readKeyUsage, type ReservedUsage, type UsageKey } from '@fleetsign/queue/key-usage-ledger';
import type { Redis } from 'ioredis';
import type { OpenProfile } from '../keys/profile-keys';
import type { SignerMetrics } from '../observability/signer-metrics';
import type { UsageRecovery } from './usage-recovery';

// Key usage limits around the HSM operation: a signature of every limited key is reserved
// before the keys sign (refused with KEY_USAGE_LIMIT_REACHED, permanent, when one has none
// left), and the reservation of a key the HSM did not sign with is given back. Reserving is
// keyed by job id, so a retried job counts once. Reused results never get here: no HSM
// operation, no usage.

/** Reservations tried per job attempt; each 'rebuild' answer costs one (another signer may race a wipe). */
const MAX_RESERVE_TRIES = 3;

/** What the guard runs on. */
export interface KeyUsageGuardDeps {
  ledger: Pick<KeyUsageLedger, 'reserve' | 'refund'>;
  recovery: Pick<UsageRecovery, 'ensureCounted'>;
  /** The per-key usage limits of a profile by name, as now in force. */
  limits(profile: string): readonly (UsageLimitConfig | undefined)[] | undefined;
  /** Reads counts for the metrics (the ledger's connection). */
  redis: Pick<Redis, 'get' | 'zcount'>;
  prefix: string;
  metrics?: SignerMetrics;
  now?: () => number;
}

/** Reserves and refunds key usage for sign jobs, and reports what is left. */
export class KeyUsageGuard {
  constructor(private readonly deps: KeyUsageGuardDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** The profile's keys with a usage limit. */
  limitedKeys(profile: Pick<OpenProfile, 'name' | 'keys'>): Array<UsageKey & { rule: UsageLimitConfig }> {
    const limits = this.deps.limits(profile.name);
    if (!limits) return [];
    return profile.keys.flatMap((key) => {
      const rule = limits[key.index];
      return rule ? [{ index: key.index, keyDigestSha256: key.keyDigest.toString('hex'), rule }] : [];
    });
  }

  /**
   * Reserves one signature of each limited key for the job, rebuilding lost counts from
   * the log first; undefined when no key of the profile is limited. Throws
   * KEY_USAGE_LIMIT_REACHED when a key has no signature left (nothing is reserved then).
   */
  async reserve(jobId: string, profile: Pick<OpenProfile, 'name' | 'keys'>): Promise<KeyUsageFacts[] | undefined> {
    const keys = this.limitedKeys(profile);
    if (keys.length === 0) return undefined;
    for (let tries = 0; tries < MAX_RESERVE_TRIES; tries++) {
      const now = this.now();
      const answer = await this.deps.ledger.reserve(jobId, keys, now);
      if (answer.verdict === 'rebuild') {
        await this.deps.recovery.ensureCounted(keys.map((key) => ({ keyDigestSha256: key.keyDigestSha256, windowMs: key.rule.window?.ms })));
        continue;
      }
      if (answer.verdict === 'ok') {
        const facts = answer.keys.map((reserved, i) => factsOf(keys[i], reserved));
        for (const fact of facts) this.setGauges(profile.name, fact.keyIndex, fact.remaining, fact.window?.remaining);
        return facts;
      }
      const key = keys.find((candidate) => candidate.index === answer.index) as (typeof keys)[number];
      const at = `profile '${profile.name}' key ${key.index} (${key.keyDigestSha256.slice(0, 16)}…)`;
      const details = { profile: profile.name, keyIndex: key.index, keyDigestSha256: key.keyDigestSha256 };
      if (answer.verdict === 'total-spent') {
        this.setGauges(profile.name, key.index, 0, undefined);
        throw new FleetSignError(
          ErrorCode.KeyUsageLimitReached,
          `${at} has made ${answer.used} signatures; its usage_limit.max_signatures allows ${key.rule.maxSignatures}`,
          { ...details, maxSignatures: key.rule.maxSignatures, used: answer.used },
        );
      }
      const window = key.rule.window as NonNullable<UsageLimitConfig['window']>;
      const retryAt = new Date(answer.retryAt).toISOString();
      this.setGauges(profile.name, key.index, undefined, 0);
      throw new FleetSignError(
        ErrorCode.KeyUsageLimitReached,
        `${at} has made ${answer.usedInWindow} signatures in the last ${window.text}; its usage_limit allows ${window.max} per ${window.text} (next one possible after ${retryAt})`,
        { ...details, window: window.text, max: window.max, usedInWindow: answer.usedInWindow, retryAfter: retryAt },
      );
    }
    throw new FleetSignError(ErrorCode.Internal, `profile '${profile.name}': key usage counts went missing again while being rebuilt; retrying`);
  }

  /** Gives back the job's reservation of every limited key not in `signed` (the HSM made no signature with it). */
  async refund(jobId: string, profile: Pick<OpenProfile, 'name' | 'keys'>, signed: ReadonlySet<number>): Promise<void> {
    const unsigned = this.limitedKeys(profile).filter((key) => !signed.has(key.index));
    if (unsigned.length > 0) await this.deps.ledger.refund(jobId, unsigned);
  }

  /** Reads the profile's limited keys' counts into the remaining-signatures gauge. */
  async report(profile: Pick<OpenProfile, 'name' | 'keys'>): Promise<void> {
    const now = this.now();
    for (const key of this.limitedKeys(profile)) {
      const reading = await readKeyUsage(this.deps.redis, this.deps.prefix, key.keyDigestSha256, key.rule, now);
      if (reading.used === undefined) continue;
      const total = key.rule.maxSignatures !== undefined ? Math.max(0, key.rule.maxSignatures - reading.used) : undefined;
      const window = key.rule.window && reading.usedInWindow !== undefined ? Math.max(0, key.rule.window.max - reading.usedInWindow) : undefined;
      this.setGauges(profile.name, key.index, total, window);
    }
  }

  private setGauges(profile: string, index: number, total: number | undefined, window: number | undefined): void {
    const gauge = this.deps.metrics?.keySignaturesRemaining;
    if (total !== undefined) gauge?.set({ profile, key: String(index), limit: 'total' }, total);
    if (window !== undefined) gauge?.set({ profile, key: String(index), limit: 'window' }, window);
  }
}

function factsOf(key: UsageKey & { rule: UsageLimitConfig }, reserved: ReservedUsage): KeyUsageFacts {
  const { maxSignatures, window } = key.rule;
  return {
    keyIndex: key.index,
    keyDigestSha256: key.keyDigestSha256,
    count: reserved.count,
    ...(maxSignatures !== undefined ? { maxSignatures, remaining: Math.max(0, maxSignatures - reserved.used) } : {}),
    ...(window && reserved.usedInWindow !== undefined
      ? { window: { length: window.text, max: window.max, used: reserved.usedInWindow, remaining: Math.max(0, window.max - reserved.usedInWindow) } }
      : {}),
  };
}
