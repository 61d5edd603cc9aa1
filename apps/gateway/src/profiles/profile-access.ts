import { type FleetSignConfig, findProfile, profileRefusalAt } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type Principal, mayUseProfile } from '../auth/principal';

/**
 * Checks that a profile exists (422 UNKNOWN_PROFILE), that the caller's API key may use
 * it (403 FORBIDDEN) and that it and its keys may sign now (422 PROFILE_REVOKED,
 * KEY_REVOKED, KEY_NOT_YET_VALID, KEY_EXPIRED: what the gateway already knows is refused
 * at submission; the signer checks again before every signing); used by every route
 * that enqueues signing.
 */
export function checkProfileAccess(fleet: FleetSignConfig, principal: Principal, name: string, now = Date.now()): void {
  const profile = findProfile(fleet, name);
  if (!profile)
    throw new FleetSignError(ErrorCode.UnknownProfile, `Unknown signing profile "${name}"`, {
      profile: name,
    });
  if (!mayUseProfile(principal, name)) {
    throw new FleetSignError(ErrorCode.Forbidden, `This API key may not use profile "${name}"`, {
      profile: name,
    });
  }
  const refusal = profileRefusalAt(profile, now);
  if (refusal) throw refusal;
}
