import type { ProfileConfig } from '@fleetsign/config';
import { readKeyUsage, type KeyUsageReadRedis } from '@fleetsign/queue/key-usage-ledger';
import { type ProfileKeyRedis, readProfileKeys } from '@fleetsign/queue/profile-key-directory';
import type { KeyUsageView } from '@fleetsign/api';

// What each limited key of a profile has used and has left. Keys are counted by their
// public-key digest, which the gateway learns from the keys a signer published; until a
// signer has published them (or counted a key after a Redis loss) only the limits show.

/** The usage of the profile's keys with a usage_limit; undefined when none has one. */
export async function profileKeyUsage(
  redis: ProfileKeyRedis & KeyUsageReadRedis,
  prefix: string,
  profile: Pick<ProfileConfig, 'name' | 'usageLimits'>,
  now: number,
): Promise<KeyUsageView[] | undefined> {
  const limits = profile.usageLimits;
  if (!limits?.some(Boolean)) return undefined;
  const published = await readProfileKeys(redis, prefix, profile.name);
  const views: KeyUsageView[] = [];
  for (const [keyIndex, rule] of limits.entries()) {
    if (!rule) continue;
    const digest = published?.keys.find((key) => key.index === keyIndex)?.keyDigestSha256;
    const reading = digest ? await readKeyUsage(redis, prefix, digest, rule, now) : {};
    const { used, usedInWindow } = reading;
    views.push({
      keyIndex,
      ...(rule.maxSignatures !== undefined ? { maxSignatures: rule.maxSignatures } : {}),
      ...(used !== undefined ? { used } : {}),
      ...(rule.maxSignatures !== undefined && used !== undefined ? { remaining: Math.max(0, rule.maxSignatures - used) } : {}),
      ...(rule.window
        ? {
            window: {
              length: rule.window.text,
              max: rule.window.max,
              ...(usedInWindow !== undefined ? { used: usedInWindow, remaining: Math.max(0, rule.window.max - usedInWindow) } : {}),
            },
          }
        : {}),
    });
  }
  return views;
}
