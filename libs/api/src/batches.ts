import { z } from 'zod';
import {
  errorViewSchema,
  metadataSchema,
  profileNameSchema,
  sha256HexSchema,
  webhookDeliveryViewSchema,
  webhookRequestSchema,
} from './common';
import { approvalVerdictSchema, approvalViewSchema } from './approvals';
import { signingPolicySchema } from './policy';

// The batches resource: POST /v1/batches, GET /v1/batches/{id} and its items.

/** Most items one batch may hold. */
export const BATCH_MAX_ITEMS = 10_000;

/** True for a plain file name: no path separators, no control characters, not "." or "..". */
function isFileName(name: string): boolean {
  if (name === '.' || name === '..') return false;
  for (const char of name) {
    const code = char.charCodeAt(0);
    if (char === '/' || char === '\\' || code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** Item names become file names on the client. */
export const itemNameSchema = z.string().min(1).max(255).refine(isFileName, {
  message: 'must be a file name: no "/", "\\" or control characters, not "." or ".."',
});

const batchItemRequestSchema = z.strictObject({
  source: z.strictObject({
    key: z.string().min(1).max(1024),
    sha256: sha256HexSchema.optional(),
  }),
  name: itemNameSchema.optional(),
  metadata: metadataSchema.optional(),
});

/** Body of `POST /v1/batches`. Unknown fields are refused so a typo never passes silently. */
export const createBatchRequestSchema = z.strictObject({
  profile: profileNameSchema,
  items: z.array(batchItemRequestSchema).min(1).max(BATCH_MAX_ITEMS),
  webhook: webhookRequestSchema.optional(),
  metadata: metadataSchema.optional(),
  fresh: z.boolean().optional(),
});
/** A validated `POST /v1/batches` body. */
export type CreateBatchRequest = z.output<typeof createBatchRequestSchema>;
/** What a client may send as `POST /v1/batches` body. */
export type CreateBatchBody = z.input<typeof createBatchRequestSchema>;

/** Largest page of `GET /v1/batches/{id}/items`. */
export const ITEMS_PAGE_MAX = 1000;

/** Which items `GET /v1/batches/{id}/items` lists. */
export const batchItemsFilterSchema = z.enum(['succeeded', 'failed', 'all']);
export type BatchItemsFilter = z.output<typeof batchItemsFilterSchema>;

/** Query of `GET /v1/batches/{id}/items`. */
export const batchItemsQuerySchema = z.object({
  state: batchItemsFilterSchema.default('all'),
  cursor: z.string().max(64).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(ITEMS_PAGE_MAX))
    .default(100),
});
export type BatchItemsQuery = z.output<typeof batchItemsQuerySchema>;

/** Batch states as the API reports them. */
export const batchStateSchema = z
  .enum(['awaiting_approval', 'queued', 'running', 'completed'])
  .describe('awaiting_approval while its approval is pending (profiles with approval); completed once every item succeeded or failed and the manifest is written');
export type ApiBatchState = z.output<typeof batchStateSchema>;

/** Response of `POST /v1/batches` (202). */
export const createBatchResponseSchema = z.object({
  id: z.string().describe('Batch id (batch_<32 hex>)'),
  state: batchStateSchema,
  total: z.number().int().describe('Number of items'),
  links: z.object({ self: z.string().describe('URL of GET /v1/batches/{id}') }),
});
export type CreateBatchResponse = z.output<typeof createBatchResponseSchema>;

/** Item counts by state; they add up to the batch total. */
export const batchCountsSchema = z.object({
  queued: z.number().int(),
  active: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
});
export type BatchCountsView = z.output<typeof batchCountsSchema>;

/** Response of `GET /v1/batches/{id}`. */
export const batchViewSchema = z.object({
  id: z.string(),
  state: batchStateSchema,
  profile: z.string(),
  requester: z.string().optional().describe('Id of the API key, or subject of the CI identity token, that submitted the batch'),
  requesterIssuer: z.string().optional().describe('OIDC issuer of the token when the requester is a CI identity'),
  total: z.number().int(),
  counts: batchCountsSchema,
  progress: z.number().min(0).max(1).describe('Share of items that succeeded or failed'),
  createdAt: z.string(),
  finishedAt: z.string().optional().describe('ISO-8601 time the manifest was written'),
  metadata: z.record(z.string(), z.string()).optional(),
  manifest: z
    .object({ key: z.string(), downloadUrl: z.string().describe('Presigned GET URL of the manifest JSON') })
    .optional()
    .describe('Present when state is completed'),
  webhook: webhookDeliveryViewSchema.optional(),
  approval: approvalViewSchema.optional(),
  links: z.object({ self: z.string(), items: z.string() }),
});
export type BatchView = z.output<typeof batchViewSchema>;

/** States of a batch item (an item's job may be retried, but the item view only tells whether it is final). */
export const batchItemStateSchema = z.enum(['queued', 'active', 'succeeded', 'failed']);
export type BatchItemState = z.output<typeof batchItemStateSchema>;

/** One entry of `GET /v1/batches/{id}/items`. */
export const batchItemViewSchema = z.object({
  index: z.number().int(),
  name: z.string(),
  sourceKey: z.string(),
  jobId: z.string().describe('The item sign job (GET /v1/jobs/{jobId})'),
  state: batchItemStateSchema,
  signedKey: z.string().optional(),
  downloadUrl: z.string().optional().describe('Presigned GET URL of the signed file (succeeded items)'),
  imageSha256: z.string().optional(),
  signedSha256: z.string().optional(),
  reused: z.boolean().optional().describe('True when an earlier signing of the same image was reused'),
  policy: signingPolicySchema.optional(),
  error: errorViewSchema.optional().describe('Present when state is failed'),
});
export type BatchItemView = z.output<typeof batchItemViewSchema>;

/** Response of `GET /v1/batches/{id}/items`. */
export const batchItemsPageSchema = z.object({
  items: z.array(batchItemViewSchema),
  nextCursor: z.string().optional().describe('Pass as cursor for the next page; absent on the last page'),
});
export type BatchItemsPage = z.output<typeof batchItemsPageSchema>;

/** The `data` of the one `batch.completed` webhook event of a batch (event id `evt_<batchId>`). */
export const batchEventDataSchema = z.object({
  batchId: z.string(),
  tenant: z.string(),
  profile: z.string(),
  requester: z.string().optional().describe('Id of the API key that submitted the batch'),
  state: z.literal('completed'),
  counts: z.object({ total: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  manifestKey: z.string().describe('Object key of the manifest; GET /v1/batches/{id} gives a download URL'),
  approval: approvalVerdictSchema.optional().describe('Profiles with approval: how the batch approval ended'),
});
export type BatchEventData = z.output<typeof batchEventDataSchema>;
