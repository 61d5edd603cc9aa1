import { Inject, Injectable } from '@nestjs/common';
import { type FleetSignConfig, type ProfileConfig, findProfile, keyStateAt, profileStateAt } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { schemeOf } from '@fleetsign/secure-boot/schemes';
import type { Redis } from 'ioredis';
import { type Principal, mayUseProfile } from '../auth/principal';
import { GatewaySettings } from '../core/gateway-settings';
import { FLEET_CONFIG, REDIS } from '../core/gateway.tokens';
import { HttpProblem } from '../http/http-problem';
import type { ProfilePublicKeys, ProfileSummary } from '@fleetsign/api';
import { profileKeyUsage } from './profile-usage';

/** Chips that can boot a scheme's images. */
export function chipsForScheme(scheme: ProfileConfig['scheme']): string[] {
  return schemeOf(scheme).chips.map((chip) => chip.name);
}

/** The API's summary of a configured profile (no key locators: those are operator detail). */
export function profileSummary(profile: ProfileConfig, now = Date.now()): ProfileSummary {
  const own = profileStateAt(profile, now);
  const keys = profile.keys.map((key, index) => {
    const { lifecycle } = key;
    return {
      index,
      ...keyStateAt(key, now),
      ...(lifecycle?.notBefore !== undefined ? { notBefore: new Date(lifecycle.notBefore).toISOString() } : {}),
      ...(lifecycle?.notAfter !== undefined ? { notAfter: new Date(lifecycle.notAfter).toISOString() } : {}),
    };
  });
  return {
    name: profile.name,
    scheme: profile.scheme,
    ...own,
    keys,
    allowedChips: profile.allowedChips ? [...profile.allowedChips] : chipsForScheme(profile.scheme),
    keyCount: profile.keys.length,
    ...(profile.description ? { description: profile.description } : {}),
  };
}

/** Profiles the caller may use, and their public keys as the signer published them. */
@Injectable()
export class ProfilesService {
  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly settings: GatewaySettings,
  ) {}

  /** Every profile the API key may use, in configuration order, with the usage of its limited keys. */
  async list(principal: Principal): Promise<ProfileSummary[]> {
    const now = Date.now();
    const profiles = this.fleet.profiles.filter((profile) => mayUseProfile(principal, profile.name));
    return Promise.all(
      profiles.map(async (profile) => {
        const usage = await profileKeyUsage(this.redis, this.settings.prefix, profile, now);
        return { ...profileSummary(profile), ...(usage ? { usage } : {}) };
      }),
    );
  }

  /** Public keys and eFuse digests of a profile; 503 until a signer has published them. */
  async publicKeys(principal: Principal, name: string): Promise<ProfilePublicKeys> {
    const profile = findProfile(this.fleet, name);
    // The one status that is not statusForCode's: the profile named in the path is the
    // resource asked for, so 404; named in a request body (jobs, batches) it is 422.
    if (!profile) throw new HttpProblem(404, ErrorCode.UnknownProfile, `Unknown signing profile "${name}"`, { profile: name });
    if (!mayUseProfile(principal, name)) {
      throw new FleetSignError(ErrorCode.Forbidden, `This API key may not use profile "${name}"`, { profile: name });
    }
    const record = await readProfileKeys(this.redis, this.settings.prefix, name);
    if (!record) {
      throw new FleetSignError(ErrorCode.ProfileKeysUnavailable, `No signer has published the keys of profile "${name}" yet; retry once a signer serving it is running`,
        { profile: name },
      );
    }
    return {
      profile: name,
      scheme: record.scheme,
      state: profileStateAt(profile, Date.now()).state,
      publishedAt: record.publishedAt,
      keys: record.keys.map((key) => ({
        index: key.index,
        algorithm: key.algorithm,
        publicKeyPem: key.publicKeyPem,
        keyDigestSha256: key.keyDigestSha256,
        keyDigestEfuse: key.keyDigestEfuse,
        ...(key.certificatePem ? { certificatePem: key.certificatePem } : {}),
      })),
    };
  }
}
