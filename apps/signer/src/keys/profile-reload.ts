import { keyLocator, type ProfileConfig, profileStateAt } from '@fleetsign/config';
import type { OpenProfile } from './profile-keys';

// What a configuration reload means for a profile's open keys.

/** True when the profile is revoked now (revoked_at passed, or none set): its keys are not opened. */
export function revokedNow(config: ProfileConfig, now: number): boolean {
  return profileStateAt(config, now).state === 'revoked';
}

/** True when `config` names the keys `profile` has open, for the same scheme: a reload keeps them open. */
export function sameKeys(profile: OpenProfile, config: ProfileConfig): boolean {
  const locators = config.keys.map(keyLocator);
  return profile.scheme === config.scheme && profile.locators?.length === locators.length && locators.every((locator, i) => profile.locators?.[i] === locator);
}
