import { KEY_ALGORITHMS, SIGNING_SCHEMES } from '@fleetsign/secure-boot/algorithms';
import { z } from 'zod';

const scheme = z.enum(SIGNING_SCHEMES as [string, ...string[]]);

/** The usage of one key with a `usage_limit`, as the signers counted it. */
export const keyUsageSchema = z.object({
  keyIndex: z.number().int().describe('Signature block index of the key'),
  maxSignatures: z.number().int().optional().describe('usage_limit.max_signatures'),
  used: z.number().int().optional().describe('Signatures the key has made (every profile using it); absent until a signer has counted it'),
  remaining: z.number().int().optional().describe('Signatures left under max_signatures'),
  window: z
    .object({
      length: z.string().describe('usage_limit.window, e.g. 1h (a sliding window)'),
      max: z.number().int().describe('usage_limit.max: signatures allowed within any window'),
      used: z.number().int().optional().describe('Signatures within the last window'),
      remaining: z.number().int().optional(),
    })
    .optional(),
});
export type KeyUsageView = z.output<typeof keyUsageSchema>;
/** A profile's or key's state now: `retiring` still signs (also before a scheduled revoked_at). */
export const lifecycleStateSchema = z.enum(['active', 'retiring', 'revoked']);

/** A key's lifecycle as configured, evaluated now. */
const keyLifecycleSchema = z.object({
  index: z.number().int().describe('Signature block index (0-2)'),
  state: lifecycleStateSchema,
  revokedAt: z.string().optional().describe('When the key is (or will be) revoked, ISO 8601'),
  notBefore: z.string().optional().describe('The key signs nothing before this instant'),
  notAfter: z.string().optional().describe('The key signs nothing from this instant on'),
});

/** One entry of `GET /v1/profiles`. */
export const profileSummarySchema = z.object({
  name: z.string(),
  scheme,
  state: lifecycleStateSchema,
  revokedAt: z.string().optional().describe('When the profile is (or will be) revoked, ISO 8601'),
  keys: z.array(keyLifecycleSchema).optional().describe("Each key's lifecycle now"),
  allowedChips: z.array(z.string()).describe('Chips whose images the profile signs (configured, else every chip that boots the scheme)'),
  keyCount: z.number().int().describe('Signature blocks each signed image gets'),
  description: z.string().optional(),
  usage: z.array(keyUsageSchema).optional().describe('Keys with a usage_limit: what they have used and have left'),
});
export type ProfileSummary = z.output<typeof profileSummarySchema>;

/** Response of `GET /v1/profiles`. */
export const profileListSchema = z.object({ profiles: z.array(profileSummarySchema) });
export type ProfileList = z.output<typeof profileListSchema>;

/** Response of `GET /v1/profiles/{name}/public-keys`. */
export const profilePublicKeysSchema = z.object({
  profile: z.string(),
  scheme,
  state: lifecycleStateSchema,
  publishedAt: z.string().describe('When a signer last published the keys it opened'),
  keys: z.array(
    z.object({
      index: z.number().int().describe('Signature block index (0-2)'),
      algorithm: z.enum(KEY_ALGORITHMS as [string, ...string[]]),
      publicKeyPem: z.string().describe('SubjectPublicKeyInfo PEM'),
      keyDigestSha256: z.string().describe('SHA-256 public key digest (hex)'),
      keyDigestEfuse: z.string().describe('Digest as burnt into eFuse (hex; 16 bytes on ESP32-C2-only profiles)'),
      certificatePem: z
        .string()
        .optional()
        .describe("PEM of the key's code-signing certificate, then its chain (profiles with trust_anchors_file)"),
    }),
  ),
});
export type ProfilePublicKeys = z.output<typeof profilePublicKeysSchema>;
