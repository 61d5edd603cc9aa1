import { KEY_ALGORITHMS, SIGNING_SCHEMES } from '@fleetsign/secure-boot/algorithms';
import { z } from 'zod';
import {
  errorViewSchema,
  metadataSchema,
  profileNameSchema,
  sha256HexSchema,
  webhookDeliveryViewSchema,
  webhookRequestSchema,
} from './common';
import { approvalViewSchema } from './approvals';
import { signingPolicySchema } from './policy';

// The jobs resource: POST /v1/jobs and GET /v1/jobs/{id}.

/** Body of `POST /v1/jobs`. Unknown fields are refused so a typo never passes silently. */
export const createJobRequestSchema = z.strictObject({
  profile: profileNameSchema,
  source: z.strictObject({
    key: z.string().min(1).max(1024),
    sha256: sha256HexSchema.optional(),
  }),
  webhook: webhookRequestSchema.optional(),
  metadata: metadataSchema.optional(),
  fresh: z.boolean().optional(),
});
/** A validated `POST /v1/jobs` body. */
export type CreateJobRequest = z.output<typeof createJobRequestSchema>;
/** What a client may send as `POST /v1/jobs` body. */
export type CreateJobBody = z.input<typeof createJobRequestSchema>;

/**
 * Job states as the API reports them; `awaiting_approval` is a job of a profile with
 * approval held until its approvers decide; `retrying` is a job waiting to be tried again
 * after an infrastructure fault (its `error` says which).
 */
export const jobStateSchema = z.enum(['awaiting_approval', 'queued', 'active', 'retrying', 'succeeded', 'failed']);
export type ApiJobState = z.output<typeof jobStateSchema>;

/** Response of `POST /v1/jobs` (202). */
export const createJobResponseSchema = z.object({
  id: z.string().describe('Job id (job_<32 hex>)'),
  state: jobStateSchema,
  links: z.object({ self: z.string().describe('URL of GET /v1/jobs/{id}') }),
});
export type CreateJobResponse = z.output<typeof createJobResponseSchema>;

/** One signature block of a signed image. */
export const signedBlockViewSchema = z.object({
  index: z.number().int(),
  algorithm: z.enum(KEY_ALGORITHMS as [string, ...string[]]),
  keyDigest: z.string().describe('eFuse public key digest (hex)'),
});
export type SignedBlockView = z.output<typeof signedBlockViewSchema>;

/** Where a signing sits in the transparency log. */
export const logReceiptSchema = z
  .object({
    index: z.number().int().describe('Leaf index (seq) of the signing in the transparency log'),
    leafHash: z.string().describe('Hex SHA-256(0x00 || canonical entry)'),
    checkpoint: z.string().optional().describe('A signed checkpoint (C2SP signed note) covering the entry'),
    inclusionProof: z.array(z.string()).optional().describe('Hex hashes proving the entry is in that checkpoint'),
  })
  .describe('Where the signing sits in the transparency log');

/** The signed output of a succeeded job, without the download grant (as webhook events carry it). */
export const signedOutputSchema = z.object({
  imageSha256: z.string().describe('SHA-256 (hex) of the padded image that was signed'),
  signedSha256: z.string().describe('SHA-256 (hex) of the signed file'),
  signedKey: z.string().describe('Object key of the signed file'),
  signedSize: z.number().int(),
  scheme: z.enum(SIGNING_SCHEMES as [string, ...string[]]),
  blocks: z.array(signedBlockViewSchema),
  timings: z.object({
    fetchMs: z.number(),
    signMs: z.number(),
    storeMs: z.number(),
    totalMs: z.number(),
  }),
  reused: z
    .boolean()
    .optional()
    .describe(
      'True when no new signature was made: the same image was signed before for this tenant with the same ' +
        'profile and keys (or an earlier attempt of this job had stored it)',
    ),
  policy: signingPolicySchema.optional(),
  log: logReceiptSchema,
});
export type SignedOutputView = z.output<typeof signedOutputSchema>;

/** `result` of `GET /v1/jobs/{id}`: the signed output and a presigned download of it. */
export const jobResultViewSchema = signedOutputSchema.extend({
  downloadUrl: z.string().describe('Presigned GET URL of the signed file'),
  downloadUrlExpiresAt: z.string(),
});
export type JobResultView = z.output<typeof jobResultViewSchema>;

/** The fields of a job every view of it shares (the job view, and the `data` of sign.* webhook events). */
const jobFields = {
  id: z.string(),
  state: jobStateSchema,
  profile: z.string(),
  requester: z.string().optional().describe('Id of the API key, or subject of the CI identity token, that submitted the job or its batch'),
  requesterIssuer: z.string().optional().describe('OIDC issuer of the token when the requester is a CI identity'),
  createdAt: z.string().describe('ISO-8601 time the request was accepted'),
  finishedAt: z.string().optional().describe('ISO-8601 time the job succeeded or failed for good'),
  attempts: z.number().int().describe('Attempts made so far (transient failures are retried)'),
  metadata: z.record(z.string(), z.string()).optional(),
  error: errorViewSchema.optional().describe('Present when state is failed, or retrying (the fault being retried)'),
  approval: approvalViewSchema.optional(),
};

/** Response of `GET /v1/jobs/{id}`. */
export const jobViewSchema = z.object({
  ...jobFields,
  result: jobResultViewSchema.optional().describe('Present when state is succeeded'),
  webhook: webhookDeliveryViewSchema.optional(),
  links: z.object({ self: z.string() }),
});
export type JobView = z.output<typeof jobViewSchema>;

/**
 * A job at its end, as the `data` of `sign.completed` and `sign.failed` webhook events:
 * the job view without what belongs to one HTTP answer (the presigned download, which
 * would expire while the event is retried, the delivery of the event itself and the
 * gateway link). `GET /v1/jobs/{id}` gives a fresh download URL.
 */
export const jobEventDataSchema = z.object({
  ...jobFields,
  state: z.enum(['succeeded', 'failed']),
  batchId: z.string().optional().describe('The batch the job is an item of'),
  result: signedOutputSchema.optional().describe('Present when state is succeeded'),
});
export type JobEventData = z.output<typeof jobEventDataSchema>;
