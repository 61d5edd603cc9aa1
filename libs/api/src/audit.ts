import { logEntrySchema } from '@fleetsign/tlog';
import { z } from 'zod';

// The audit resource: the transparency log's checkpoint, entries, proofs and key.

/** Most entries one `GET /v1/audit/entries` page returns. */
export const MAX_ENTRIES_PAGE = 1000;

const leafIndex = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const HEX_HASH = z.string().regex(/^[0-9a-f]{64}$/).describe('hex SHA-256');

export const entriesQuerySchema = z
  .strictObject({ start: leafIndex, end: leafIndex })
  .refine((q) => q.start < q.end && q.end - q.start <= MAX_ENTRIES_PAGE, {
    message: `end must be after start, at most ${MAX_ENTRIES_PAGE} entries on`,
    path: ['end'],
  });

/** Most checkpoints one `GET /v1/audit/checkpoints` page returns. */
export const MAX_CHECKPOINTS_PAGE = 100;

export const checkpointsQuerySchema = z.strictObject({
  after: leafIndex.optional().describe('only checkpoints of more entries than this'),
  limit: z.coerce.number().int().min(1).max(MAX_CHECKPOINTS_PAGE).default(MAX_CHECKPOINTS_PAGE),
});

export const consistencyQuerySchema = z
  .strictObject({ from: leafIndex, to: leafIndex })
  .refine((q) => q.from <= q.to, { message: 'to must not be before from', path: ['to'] });

export const checkpointViewSchema = z.object({
  origin: z.string(),
  size: z.number().int(),
  rootHash: z.string().describe('base64 Merkle root, as in the note'),
  note: z.string().describe('the C2SP signed note (tlog-checkpoint); verify it with the log public key'),
});
export type CheckpointView = z.infer<typeof checkpointViewSchema>;
export type AuditCheckpointView = CheckpointView;

export const checkpointsPageSchema = z.object({
  checkpoints: z
    .array(z.object({ size: z.number().int(), note: z.string().describe('the C2SP signed note') }))
    .describe('stored checkpoints by ascending size'),
  next: z.number().int().optional().describe('pass as `after` for the next page; absent on the last'),
});
export type CheckpointsPage = z.infer<typeof checkpointsPageSchema>;

export const entriesPageSchema = z.object({
  start: z.number().int(),
  end: z.number().int().describe('exclusive; clamped to the log size'),
  treeSize: z.number().int().describe('entries in the log when the page was read'),
  entries: z.array(logEntrySchema).describe("entries in the range (an `audit` key sees its tenant's only)"),
});
export type EntriesPage = z.infer<typeof entriesPageSchema>;
export type AuditEntriesPage = EntriesPage;

export const inclusionViewSchema = z.object({
  jobId: z.string(),
  index: z.number().int(),
  leafHash: HEX_HASH,
  entry: logEntrySchema,
  checkpoint: checkpointViewSchema.optional().describe('the newest checkpoint; absent until one covers the entry'),
  inclusionProof: z.array(HEX_HASH).optional().describe('RFC 9162 inclusion proof against the checkpoint'),
});
export type InclusionView = z.infer<typeof inclusionViewSchema>;
export type AuditProofView = InclusionView;

export const consistencyViewSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  proof: z.array(HEX_HASH).describe('RFC 9162 consistency proof'),
});
export type ConsistencyView = z.infer<typeof consistencyViewSchema>;
export type AuditConsistencyView = ConsistencyView;

export const publicKeyViewSchema = z.object({
  origin: z.string().optional(),
  publicKeyPem: z.string().describe('SPKI PEM of the log key (ECDSA P-256)'),
});
export type PublicKeyView = z.infer<typeof publicKeyViewSchema>;
export type AuditPublicKeyView = PublicKeyView;
