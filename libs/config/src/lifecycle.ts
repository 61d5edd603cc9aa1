import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyConfig, ProfileConfig } from './config-types';
import type { LifecycleConfig, LifecycleState } from './lifecycle-schema';

// When a profile and its keys may sign, decided at one instant. The gateway asks at
// submission (it refuses what it already knows), the signer before every signing (the
// authoritative check), the revocation status route for what a key or profile is now.

/** A key's or profile's state at an instant: `retiring` signs; `revoked` and the validity bounds refuse. */
export interface StateAt {
  /** `retiring` also for a revocation scheduled later (revoked_at in the future). */
  state: LifecycleState;
  /** ISO 8601 instant of the revocation, when one is configured (past or future). */
  revokedAt?: string;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** The state of a lifecycle at `now`: revoked once `revoked_at` passed (or without one), retiring before it. */
export function lifecycleStateAt(lifecycle: Pick<LifecycleConfig, 'state' | 'revokedAt'>, now: number): StateAt {
  const revokedAt = iso(lifecycle.revokedAt);
  if (lifecycle.state !== 'revoked') return { state: lifecycle.state };
  const state: LifecycleState = lifecycle.revokedAt === undefined || now >= lifecycle.revokedAt ? 'revoked' : 'retiring';
  return { state, ...(revokedAt ? { revokedAt } : {}) };
}

/** The profile's own state at `now` (its keys aside). */
export function profileStateAt(profile: Pick<ProfileConfig, 'state' | 'revokedAt'>, now: number): StateAt {
  return lifecycleStateAt(profile, now);
}

/** The key's state at `now`; a key without lifecycle settings is active. */
export function keyStateAt(key: Pick<KeyConfig, 'lifecycle'>, now: number): StateAt {
  return lifecycleStateAt(key.lifecycle ?? { state: 'active' }, now);
}

/** Why the key cannot sign at `now` (KEY_REVOKED, KEY_NOT_YET_VALID, KEY_EXPIRED), or undefined. */
export function keyRefusalAt(profile: string, index: number, key: Pick<KeyConfig, 'lifecycle'>, now: number): FleetSignError | undefined {
  const lifecycle = key.lifecycle;
  if (!lifecycle) return undefined;
  const at = `profile '${profile}' key ${index}`;
  const details = { profile, keyIndex: index };
  const { state, revokedAt } = keyStateAt(key, now);
  if (state === 'revoked') {
    const since = revokedAt ? ` since ${revokedAt}` : '';
    return new FleetSignError(ErrorCode.KeyRevoked, `${at} is revoked${since}`, { ...details, ...(revokedAt ? { revokedAt } : {}) });
  }
  if (lifecycle.notBefore !== undefined && now < lifecycle.notBefore) {
    const notBefore = iso(lifecycle.notBefore) as string;
    return new FleetSignError(ErrorCode.KeyNotYetValid, `${at} signs nothing before ${notBefore} (not_before)`, { ...details, notBefore });
  }
  if (lifecycle.notAfter !== undefined && now >= lifecycle.notAfter) {
    const notAfter = iso(lifecycle.notAfter) as string;
    return new FleetSignError(ErrorCode.KeyExpired, `${at} signs nothing from ${notAfter} on (not_after)`, { ...details, notAfter });
  }
  return undefined;
}

/**
 * Why the profile cannot sign at `now`: PROFILE_REVOKED, or the first key that cannot
 * (KEY_REVOKED, KEY_NOT_YET_VALID, KEY_EXPIRED); undefined when it may sign.
 */
export function profileRefusalAt(profile: Pick<ProfileConfig, 'name' | 'state' | 'revokedAt' | 'keys'>, now: number): FleetSignError | undefined {
  const own = profileStateAt(profile, now);
  if (own.state === 'revoked') {
    const since = own.revokedAt ? ` since ${own.revokedAt}` : '';
    return new FleetSignError(ErrorCode.ProfileRevoked, `signing profile '${profile.name}' is revoked${since}`, {
      profile: profile.name,
      ...(own.revokedAt ? { revokedAt: own.revokedAt } : {}),
    });
  }
  for (const [index, key] of profile.keys.entries()) {
    const refusal = keyRefusalAt(profile.name, index, key, now);
    if (refusal) return refusal;
  }
  return undefined;
}

/** What a signing records about the lifecycle: the profile's and each key's state, when one is not active. */
export interface LifecycleFacts {
  profileState: LifecycleState;
  keyStates: Array<{ index: number; state: LifecycleState }>;
}

/** The states a signing at `now` is made under (for the result and the log entry). */
export function lifecycleFactsAt(profile: Pick<ProfileConfig, 'state' | 'revokedAt' | 'keys'>, now: number): LifecycleFacts {
  return {
    profileState: profileStateAt(profile, now).state,
    keyStates: profile.keys.map((key, index) => ({ index, state: keyStateAt(key, now).state })),
  };
}

/** Key settings that name the key itself (not its lifecycle): two entries with the same locator are the same key. */
export function keyLocator(key: KeyConfig): string {
  const { lifecycle: _lifecycle, ...locator } = key as KeyConfig & { lifecycle?: unknown };
  return JSON.stringify(locator, Object.keys(locator).sort());
}
