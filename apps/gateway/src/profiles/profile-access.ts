import { type FleetSignConfig, findProfile } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type Principal, mayUseProfile } from '../auth/principal';

/**
 * Checks that a profile exists (422 UNKNOWN_PROFILE), that the caller's API key may use
 * it (403 FORBIDDEN) and that it is active (422 PROFILE_REVOKED); used by every route
 * that enqueues signing.
 */
export function checkProfileAccess(fleet: FleetSignConfig, principal: Principal, name: string): void {
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
  if (profile.state !== 'active') {
    throw new FleetSignError(ErrorCode.ProfileRevoked, `Signing profile "${name}" is ${profile.state}`, {
      profile: name,
    });
  }
}
