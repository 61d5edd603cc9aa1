import { z } from 'zod';

// Dual control: the approval of a held job or batch, the decision routes and GET /v1/approvals.

const decisionSchema = z.object({
  approver: z.string().describe('Name of the approver (API key id or identity), never a token'),
  decision: z.enum(['approve', 'reject']),
  at: z.string().describe('ISO-8601 time of the decision'),
  comment: z.string().optional(),
});

/** The `approval` part of a job or batch view (and of an approvals list entry). */
export const approvalViewSchema = z
  .object({
    state: z.enum(['pending', 'approved', 'rejected', 'expired']),
    required: z.number().int().describe('Distinct approvals needed'),
    approved: z.number().int().describe('Approvals so far'),
    approvers: z.array(z.string()).optional().describe('Approvers as configured: API key ids and scope:<scope>'),
    decisions: z.array(decisionSchema),
    expiresAt: z.string().describe('ISO-8601 time the approval expires (then APPROVAL_EXPIRED)'),
    decidedAt: z.string().optional(),
  })
  .describe('Dual control: present on jobs and batches of a profile with approval');

/** The verdict a released (or refused) batch carries in its manifest and `batch.completed` event. */
export const approvalVerdictSchema = z
  .object({
    state: z.enum(['approved', 'rejected', 'expired']),
    required: z.number().int(),
    decisions: z.array(decisionSchema),
    expiresAt: z.string(),
    decidedAt: z.string().describe('ISO-8601 time the approval was released, rejected or expired'),
  })
  .describe('Dual control: how the approval of the batch ended');

/** The `data` of a `sign.awaiting_approval` webhook event: one per held job, one per held batch. */
export const awaitingApprovalDataSchema = z.object({
  jobId: z.string().optional().describe('The held job (absent for a batch)'),
  batchId: z.string().optional().describe('The held batch (absent for a job)'),
  total: z.number().int().optional().describe('Items of the batch'),
  tenant: z.string(),
  requester: z.string(),
  state: z.literal('awaiting_approval'),
  profile: z.string(),
  approval: z.object({ required: z.number().int(), approvers: z.array(z.string()), expiresAt: z.string() }),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type AwaitingApprovalData = z.output<typeof awaitingApprovalDataSchema>;

/** Body of POST /v1/jobs/{id}/approvals and POST /v1/batches/{id}/approvals. */
export const decisionRequestSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().trim().min(1).max(500).optional(),
});
export type DecisionRequest = z.output<typeof decisionRequestSchema>;

/** Answer of a decision. */
export const decisionResponseSchema = z.object({
  id: z.string(),
  subject: z.enum(['job', 'batch']),
  approval: approvalViewSchema,
});

/** One entry of GET /v1/approvals. */
export const approvalListEntrySchema = z.object({
  id: z.string(),
  subject: z.enum(['job', 'batch']),
  tenant: z.string(),
  profile: z.string(),
  requester: z.string(),
  createdAt: z.string(),
  total: z.number().int().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  mayDecide: z.boolean(),
  approval: approvalViewSchema,
  links: z.object({ self: z.string(), decide: z.string() }),
});

/** Body of GET /v1/approvals. */
export const approvalListSchema = z.object({ approvals: z.array(approvalListEntrySchema) });

/** The `approval` of a job or batch. */
export type ApprovalView = z.output<typeof approvalViewSchema>;
/** One approver's decision. */
export type ApprovalDecisionView = ApprovalView['decisions'][number];
/** What a client sends to decide. */
export type DecisionBody = z.input<typeof decisionRequestSchema>;
/** Answer of a decision. */
export type DecisionResponse = z.output<typeof decisionResponseSchema>;
/** One entry of GET /v1/approvals (and GET /v1/approvals/{id}). */
export type ApprovalListEntry = z.output<typeof approvalListEntrySchema>;
/** Body of GET /v1/approvals. */
export type ApprovalList = z.output<typeof approvalListSchema>;
