import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Largest `metadata` object, measured as its JSON text in bytes. */
export const METADATA_MAX_BYTES = 4096;
/** Most `metadata` entries. */
export const METADATA_MAX_ENTRIES = 32;

/** Profile names as operators write them in configuration. */
export const profileNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"');

/** A lower-case hex SHA-256 (upper-case input is accepted and normalised). */
export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
  .transform((hex) => hex.toLowerCase());

/** Caller labels: string values, bounded in entries and size. */
export const metadataSchema = z
  .record(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'keys must be letters, digits, ".", "_", ":" or "-"'),
    z.string().max(1024),
  )
  .refine((value) => Object.keys(value).length <= METADATA_MAX_ENTRIES, {
    message: `at most ${METADATA_MAX_ENTRIES} entries`,
  })
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES, {
    message: `at most ${METADATA_MAX_BYTES} bytes as JSON`,
  });

/** Body of `POST /v1/jobs`. Unknown fields are refused so a typo never passes silently. */
export const createJobRequestSchema = z.strictObject({
  profile: profileNameSchema,
  source: z.strictObject({
    key: z.string().min(1).max(1024),
    sha256: sha256HexSchema.optional(),
  }),
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
    })
    .optional(),
  metadata: metadataSchema.optional(),
  fresh: z.boolean().optional(),
});

export type CreateJobRequest = z.output<typeof createJobRequestSchema>;

/** The `Idempotency-Key` header: 1-255 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 visible ASCII characters');

/** JSON text of `value` with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** SHA-256 (hex) of the canonical form of a validated request: the idempotency fingerprint. */
export function requestHash(request: CreateJobRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
