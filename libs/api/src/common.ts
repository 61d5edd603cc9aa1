import { z } from 'zod';

// Pieces shared by several resources of the HTTP contract.

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

/** Largest `metadata` object, measured as its JSON text in bytes. */
export const METADATA_MAX_BYTES = 4096;
/** Most `metadata` entries. */
export const METADATA_MAX_ENTRIES = 32;

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

/** The `Idempotency-Key` header: 1-255 visible ASCII characters. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-255 visible ASCII characters');

/** `webhook` of a job or batch request. */
export const webhookRequestSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2048),
});

/** A failure as `{code, message}` (a job, a batch item, a webhook event). */
export const errorViewSchema = z.object({
  code: z.string().describe('Stable error code, e.g. INVALID_IMAGE'),
  message: z.string(),
});
export type ErrorView = z.output<typeof errorViewSchema>;

/** Delivery states of a completion webhook. */
export const webhookDeliveryStateSchema = z.enum(['pending', 'delivered', 'failed']);
export type WebhookDeliveryState = z.output<typeof webhookDeliveryStateSchema>;

/** Delivery of a job's or batch's completion event, as `GET` of the job or batch reports it. */
export const webhookDeliveryViewSchema = z.object({
  url: z.string(),
  eventId: z.string().describe('Stable event id (webhook-id header): evt_<job or batch id>'),
  state: webhookDeliveryStateSchema,
  attempts: z.number().int(),
  lastError: z.string().optional(),
});
export type WebhookDeliveryView = z.output<typeof webhookDeliveryViewSchema>;
