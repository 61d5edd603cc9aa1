import { KEY_ALGORITHMS, SIGNING_SCHEMES } from '@fleetsign/secure-boot/algorithms';
import { z } from 'zod';
import { approvalViewSchema } from '../approvals/approval-view';
import { signingPolicySchema } from './policy-schema';

// Response shapes of the jobs routes, for the OpenAPI document (and for tests that check them).

const jobState = z.enum(['awaiting_approval', 'queued', 'active', 'retrying', 'succeeded', 'failed']);

/** Response of `POST /v1/jobs` (202). */
export const createJobResponseSchema = z.object({
  id: z.string().describe('Job id (job_<32 hex>)'),
  state: jobState,
  links: z.object({ self: z.string().describe('URL of GET /v1/jobs/{id}') }),
});

/** Response of `GET /v1/jobs/{id}`. */
export const jobViewSchema = z.object({
  id: z.string(),
  state: jobState,
  profile: z.string(),
  requester: z.string().optional().describe('Id of the API key, or subject of the CI identity token, that submitted the job or its batch'),
  requesterIssuer: z.string().optional().describe('OIDC issuer of the token when the requester is a CI identity'),
  createdAt: z.string().describe('ISO-8601 time the request was accepted'),
  finishedAt: z.string().optional().describe('ISO-8601 time the job succeeded or failed for good'),
  attempts: z.number().int().describe('Attempts made so far (transient failures are retried)'),
  metadata: z.record(z.string(), z.string()).optional(),
  error: z
    .object({ code: z.string().describe('Stable error code, e.g. INVALID_IMAGE'), message: z.string() })
    .optional()
    .describe('Present when state is failed, or retrying (the fault being retried)'),
  result: z
    .object({
      imageSha256: z.string().describe('SHA-256 (hex) of the padded image that was signed'),
      signedSha256: z.string().describe('SHA-256 (hex) of the signed file'),
      signedKey: z.string().describe('Object key of the signed file'),
      signedSize: z.number().int(),
      scheme: z.enum(SIGNING_SCHEMES as [string, ...string[]]),
      downloadUrl: z.string().describe('Presigned GET URL of the signed file'),
      downloadUrlExpiresAt: z.string(),
      blocks: z.array(
        z.object({
          index: z.number().int(),
          algorithm: z.enum(KEY_ALGORITHMS as [string, ...string[]]),
          keyDigest: z.string().describe('eFuse public key digest (hex)'),
        }),
      ),
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
      log: z
        .object({
          index: z.number().int().describe('Leaf index (seq) of the signing in the transparency log'),
          leafHash: z.string().describe('Hex SHA-256(0x00 || canonical entry)'),
          checkpoint: z.string().optional().describe('A signed checkpoint (C2SP signed note) covering the entry'),
          inclusionProof: z.array(z.string()).optional().describe('Hex hashes proving the entry is in that checkpoint'),
        })
        .describe('Where the signing sits in the transparency log'),
    })
    .optional()
    .describe('Present when state is succeeded'),
  webhook: z
    .object({
      url: z.string(),
      eventId: z.string().describe('Stable event id (webhook-id header): evt_<jobId>'),
      state: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.number().int(),
      lastError: z.string().optional(),
    })
    .optional(),
  approval: approvalViewSchema.optional(),
  links: z.object({ self: z.string() }),
});
