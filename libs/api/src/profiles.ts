import { KEY_ALGORITHMS, SIGNING_SCHEMES } from '@fleetsign/secure-boot/algorithms';
import { z } from 'zod';

const scheme = z.enum(SIGNING_SCHEMES as [string, ...string[]]);

/** One entry of `GET /v1/profiles`. */
export const profileSummarySchema = z.object({
  name: z.string(),
  scheme,
  state: z.enum(['active', 'revoked']),
  allowedChips: z.array(z.string()).describe('Chips whose images the profile signs (configured, else every chip that boots the scheme)'),
  keyCount: z.number().int().describe('Signature blocks each signed image gets'),
  description: z.string().optional(),
});
export type ProfileSummary = z.output<typeof profileSummarySchema>;

/** Response of `GET /v1/profiles`. */
export const profileListSchema = z.object({ profiles: z.array(profileSummarySchema) });
export type ProfileList = z.output<typeof profileListSchema>;

/** Response of `GET /v1/profiles/{name}/public-keys`. */
export const profilePublicKeysSchema = z.object({
  profile: z.string(),
  scheme,
  state: z.enum(['active', 'revoked']),
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
