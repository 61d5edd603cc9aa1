import { z } from 'zod';
import { lifecycleStateSchema } from './profiles';

// The signatures resource: GET /v1/signatures/status (revocation status of a signed file or image).

/** `GET /v1/signatures/status` query. */
export const signatureStatusQuerySchema = z.strictObject({
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be a hex SHA-256 (64 hex digits)')
    .transform((hex) => hex.toLowerCase())
    .describe('SHA-256 of a signed file, or of the signed image (the data the signature covers)'),
});

/** A key's state as configured now, for a key that signed. */
const keyStatusSchema = z.object({
  index: z.number().int().describe('Signature block index'),
  keyDigestSha256: z.string().describe('SHA-256 public key digest (hex), as logged'),
  keyRef: z.string().describe('Where the key lives, as logged (never a PIN)'),
  state: z
    .union([lifecycleStateSchema, z.literal('unknown')])
    .describe('State now: `retiring` also before a scheduled revocation; `unknown` when no configured profile holds the key any more'),
  revokedAt: z.string().optional().describe('When the key is (or will be) revoked, ISO 8601'),
});

/** One signing that produced the file or image asked about. */
const signingStatusSchema = z.object({
  jobId: z.string(),
  tenant: z.string(),
  profile: z.string(),
  profileState: z.union([lifecycleStateSchema, z.literal('unknown')]).describe('State of the profile now (`unknown`: no longer configured)'),
  profileRevokedAt: z.string().optional(),
  kind: z.enum(['signed', 'reused']).describe('`reused`: an earlier signed file of the same image was handed out'),
  matched: z.array(z.enum(['signed', 'image'])).describe('What the SHA-256 is: the signed file, the signed image, or both'),
  signedSha256: z.string(),
  imageSha256: z.string(),
  keys: z.array(keyStatusSchema),
  signedAt: z.string().describe('Time of the log entry, ISO 8601'),
  logIndex: z.number().int().describe('Leaf index of the entry in the transparency log'),
  revoked: z.boolean().describe('True when the profile or one of the keys is revoked now'),
});

/** Response of `GET /v1/signatures/status`. */
export const signatureStatusSchema = z.object({
  sha256: z.string(),
  jobs: z.array(signingStatusSchema).describe("Every signing the caller may see that produced it (an API key sees its tenant's; operator every tenant's), oldest first; empty when none"),
  revoked: z.boolean().describe('True when any of those signings used a key or profile revoked now: do not publish'),
  revokedAt: z.string().optional().describe('The earliest revocation time among them'),
  truncated: z.boolean().optional().describe(`True when more signings than the answer lists produced it`),
});
export type SignatureStatus = z.output<typeof signatureStatusSchema>;
export type SigningStatus = SignatureStatus['jobs'][number];
