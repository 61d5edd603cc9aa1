import { createHash } from 'node:crypto';
import type { ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import type { OpenProfile } from '../keys/profile-keys';

// Content-addressed reuse: signing is deterministic in what it covers (the padded image
// digest) and in which keys sign it, so a tenant signing the same image bytes with the
// same profile and key set again gets the earlier signed file instead of a new HSM
// operation. The key set is part of the address, so rotating keys never reuses an old
// signature. ECDSA signatures differ per signing, but every one is valid.

/** How long an index entry lives after the signing that made it. */
export const REUSE_INDEX_TTL_SECONDS = 30 * 24 * 3600;

/** An earlier signing of an image, as the index remembers it. */
export interface ReusableSigning {
  /** The job that made the signed file. */
  jobId: string;
  signedKey: string;
  signedSha256: string;
  signedSize: number;
  signedDataLength: number;
}

/** Hex digest of a profile's scheme and public-key digests in block order. */
export function keysetDigest(profile: Pick<OpenProfile, 'scheme' | 'keys'>): string {
  const hash = createHash('sha256').update(profile.scheme);
  for (const key of profile.keys) hash.update(`:${key.index}:`).update(key.keyDigest);
  return hash.digest('hex').slice(0, 32);
}

/** Redis key of an index entry: `${prefix}:reuse:<tenant>:<profile>:<keysetDigest>:<imageSha256>`. */
export function reuseIndexRedisKey(
  prefix: string,
  tenant: string,
  profile: Pick<OpenProfile, 'name' | 'scheme' | 'keys'>,
  imageSha256: string,
): string {
  return `${prefix}:reuse:${tenant}:${profile.name}:${keysetDigest(profile)}:${imageSha256}`;
}

function parseEntry(text: string): ReusableSigning | undefined {
  try {
    const value = JSON.parse(text) as Partial<ReusableSigning>;
    const ok =
      typeof value.jobId === 'string' &&
      typeof value.signedKey === 'string' &&
      typeof value.signedSha256 === 'string' &&
      Number.isSafeInteger(value.signedSize) &&
      Number.isSafeInteger(value.signedDataLength);
    return ok ? (value as ReusableSigning) : undefined;
  } catch {
    return undefined;
  }
}

/** Per-tenant index from (profile, key set, image digest) to the signed file made for it. */
export class ReuseIndex {
  constructor(
    private readonly redis: Pick<Redis, 'get' | 'set'>,
    private readonly prefix: string,
    private readonly store: Pick<ObjectStore, 'head'>,
  ) {}

  /**
   * The earlier signing of this image with this profile's current keys, if its signed
   * file is still in the object store at the recorded size. A stale entry is left for
   * the next signing of the image to replace.
   */
  async find(
    tenant: string,
    profile: OpenProfile,
    imageSha256: string,
  ): Promise<ReusableSigning | undefined> {
    const key = reuseIndexRedisKey(this.prefix, tenant, profile, imageSha256);
    const text = await this.redis.get(key);
    if (text === null) return undefined;
    const entry = parseEntry(text);
    const head = entry ? await this.store.head(entry.signedKey) : undefined;
    return entry && head && head.size === entry.signedSize ? entry : undefined;
  }

  /** Remembers a signing (replacing an older one of the same image). */
  async remember(
    tenant: string,
    profile: OpenProfile,
    imageSha256: string,
    signing: ReusableSigning,
  ): Promise<void> {
    const key = reuseIndexRedisKey(this.prefix, tenant, profile, imageSha256);
    await this.redis.set(key, JSON.stringify(signing), 'EX', REUSE_INDEX_TTL_SECONDS);
  }
}
