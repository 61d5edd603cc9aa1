import { z } from 'zod';
import { approvalViewSchema } from '../approvals/approval-view';
import { signingPolicySchema } from '../jobs/policy-schema';

// Shapes of the batch routes: the items query, and the responses for the OpenAPI document.

const itemState = z.enum(['queued', 'active', 'succeeded', 'failed']);
const errorView = z.object({
  code: z.string().describe('Stable error code, e.g. INVALID_IMAGE'),
  message: z.string(),
});

/** Largest page of `GET /v1/batches/{id}/items`. */
export const ITEMS_PAGE_MAX = 1000;

/** Query of `GET /v1/batches/{id}/items`. */
export const batchItemsQuerySchema = z.object({
  state: z.enum(['succeeded', 'failed', 'all']).default('all'),
  cursor: z.string().max(64).optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(ITEMS_PAGE_MAX))
    .default(100),
});

export type BatchItemsQuery = z.output<typeof batchItemsQuerySchema>;

/** Response of `POST /v1/batches` (202). */
export const createBatchResponseSchema = z.object({
  id: z.string().describe('Batch id (batch_<32 hex>)'),
  state: z.enum(['awaiting_approval', 'queued', 'running', 'completed']),
  total: z.number().int().describe('Number of items'),
  links: z.object({ self: z.string().describe('URL of GET /v1/batches/{id}') }),
});

/** Response of `GET /v1/batches/{id}`. */
export const batchViewSchema = z.object({
  id: z.string(),
  state: z
    .enum(['awaiting_approval', 'queued', 'running', 'completed'])
    .describe('awaiting_approval while its approval is pending (profiles with approval); completed once every item succeeded or failed and the manifest is written'),
  profile: z.string(),
  requester: z.string().optional().describe('Id of the API key, or subject of the CI identity token, that submitted the batch'),
  requesterIssuer: z.string().optional().describe('OIDC issuer of the token when the requester is a CI identity'),
  total: z.number().int(),
  counts: z.object({
    queued: z.number().int(),
    active: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
  }),
  progress: z.number().min(0).max(1).describe('Share of items that succeeded or failed'),
  createdAt: z.string(),
  finishedAt: z.string().optional().describe('ISO-8601 time the manifest was written'),
  metadata: z.record(z.string(), z.string()).optional(),
  manifest: z
    .object({ key: z.string(), downloadUrl: z.string().describe('Presigned GET URL of the manifest JSON') })
    .optional()
    .describe('Present when state is completed'),
  webhook: z
    .object({
      url: z.string(),
      eventId: z.string().describe('Stable event id (webhook-id header): evt_<batchId>'),
      state: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number().int(),
      lastError: z.string().optional(),
    })
    .optional(),
  approval: approvalViewSchema.optional(),
  links: z.object({ self: z.string(), items: z.string() }),
});

/** Response of `GET /v1/batches/{id}/items`. */
export const batchItemsPageSchema = z.object({
  items: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      sourceKey: z.string(),
      jobId: z.string().describe('The item sign job (GET /v1/jobs/{jobId})'),
      state: itemState,
      signedKey: z.string().optional(),
      downloadUrl: z.string().optional().describe('Presigned GET URL of the signed file (succeeded items)'),
      imageSha256: z.string().optional(),
      signedSha256: z.string().optional(),
      reused: z.boolean().optional().describe('True when an earlier signing of the same image was reused'),
      policy: signingPolicySchema.optional(),
      error: errorView.optional().describe('Present when state is failed'),
    }),
  ),
  nextCursor: z.string().optional().describe('Pass as cursor for the next page; absent on the last page'),
});
