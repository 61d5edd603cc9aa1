import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { KEY_ALGORITHMS, SIGNING_SCHEMES, type KeyAlgorithm, type SigningScheme } from '@fleetsign/secure-boot/algorithms';

// The gateway never loads keys, so the signer publishes each profile's public keys
// here after opening them; the gateway (and operators) read them to show eFuse digests.

/** One public key of a profile, in signature block order. */
export interface PublishedProfileKey {
  /** Signature block index (0-2) this key signs. */
  index: number;
  algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo PEM. */
  publicKeyPem: string;
  /** Hex SHA-256 public-key digest (Secure Boot V2 key digest, 32 bytes). */
  keyDigestSha256: string;
  /** Hex digest as burnt into eFuse: the first 16 bytes on ESP32-C2-only profiles, else the whole digest. */
  keyDigestEfuse: string;
  /** PEM of the key's code-signing certificate and its chain (profiles with trust_anchors_file). */
  certificatePem?: string;
}

/** What the signer publishes per profile at `${prefix}:profile-keys:${profile}`. */
export interface ProfileKeysRecord {
  profile: string;
  scheme: SigningScheme;
  /** ISO-8601 time of publication. */
  publishedAt: string;
  keys: PublishedProfileKey[];
  /** Canonical chip names the profile allows; absent when every chip of the scheme is allowed. */
  allowedChips?: string[];
}

/** The Redis client calls the directory needs (an ioredis connection or cluster client). */
export type ProfileKeyRedis = Pick<Redis, 'get' | 'set'>;

const hex = (bytes: number[]) =>
  z.string().refine((value) => /^([0-9a-f]{2})+$/.test(value) && bytes.includes(value.length / 2), {
    message: `must be ${bytes.join(' or ')} bytes of lower-case hex`,
  });

const recordSchema = z.object({
  profile: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a profile name'),
  scheme: z.enum(SIGNING_SCHEMES as readonly SigningScheme[] as [SigningScheme, ...SigningScheme[]]),
  publishedAt: z.iso.datetime(),
  keys: z
    .array(
      z.object({
        index: z.number().int().min(0).max(2),
        algorithm: z.enum(KEY_ALGORITHMS as readonly KeyAlgorithm[] as [KeyAlgorithm, ...KeyAlgorithm[]]),
        publicKeyPem: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
        keyDigestSha256: hex([32]),
        keyDigestEfuse: hex([16, 32]),
        certificatePem: z.string().startsWith('-----BEGIN CERTIFICATE-----').optional(),
      }),
    )
    .min(1)
    .max(3),
  allowedChips: z.array(z.string().min(1)).optional(),
});

/** The Redis key holding a profile's published keys, e.g. '{fleetsign}:profile-keys:release-rsa'. */
export function profileKeysRedisKey(prefix: string, profile: string): string {
  return `${prefix}:profile-keys:${profile}`;
}

function malformed(what: string, error: z.ZodError): FleetSignError {
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join('.')}: ` : '';
  return new FleetSignError(ErrorCode.Internal, `${what}: ${where}${first?.message ?? 'invalid'}`);
}

/** Checks a record's shape; throws FleetSignError(Internal) naming the first bad field. */
export function parseProfileKeysRecord(value: unknown, what = 'profile key record'): ProfileKeysRecord {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) throw malformed(what, parsed.error);
  return parsed.data;
}

/** Publishes (replaces) a profile's key record; the signer calls it after opening the profile's keys. */
export async function publishProfileKeys(redis: ProfileKeyRedis, prefix: string, record: ProfileKeysRecord): Promise<void> {
  const checked = parseProfileKeysRecord(record, `profile key record for '${record.profile}'`);
  await redis.set(profileKeysRedisKey(prefix, checked.profile), JSON.stringify(checked));
}

/** Reads a profile's published key record; undefined when no signer has published it. */
export async function readProfileKeys(
  redis: ProfileKeyRedis,
  prefix: string,
  profile: string,
): Promise<ProfileKeysRecord | undefined> {
  const text = await redis.get(profileKeysRedisKey(prefix, profile));
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new FleetSignError(ErrorCode.Internal, `profile key record for '${profile}' in Redis is not JSON`);
  }
  return parseProfileKeysRecord(value, `profile key record for '${profile}' in Redis`);
}
