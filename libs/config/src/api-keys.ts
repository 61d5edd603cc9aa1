import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig, FleetSignConfig, ProfileConfig } from './config-types';

/** Prefix of tokens made by generateApiToken, so a leaked token is recognisable in scans. */
export const API_TOKEN_PREFIX = 'fsk_';

/** Hex SHA-256 of a bearer token: the value configured as an API key's token_sha256. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random bearer token (256 bits) and the token_sha256 to put in the configuration file. */
export function generateApiToken(): { token: string; tokenSha256: string } {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, tokenSha256: hashApiToken(token) };
}

/**
 * The API key whose token_sha256 matches `token`, or undefined. Compares every
 * configured hash in constant time and never stops early, so response time does not
 * depend on which key (if any) matched.
 */
export function findApiKey(
  config: Pick<FleetSignConfig, 'apiKeys'>,
  token: string,
): ApiKeyConfig | undefined {
  if (!token) return undefined;
  const presented = createHash('sha256').update(token, 'utf8').digest();
  let found: ApiKeyConfig | undefined;
  for (const key of config.apiKeys) {
    const expected = Buffer.from(key.tokenSha256, 'hex');
    if (expected.length === presented.length && timingSafeEqual(expected, presented) && !found) found = key;
  }
  return found;
}

/** True when the API key lists this profile or '*'. */
export function apiKeyAllowsProfile(key: ApiKeyConfig, profileName: string): boolean {
  return key.profiles.includes('*') || key.profiles.includes(profileName);
}

/** The profile with this name, or undefined. */
export function findProfile(
  config: Pick<FleetSignConfig, 'profiles'>,
  name: string,
): ProfileConfig | undefined {
  return config.profiles.find((profile) => profile.name === name);
}
