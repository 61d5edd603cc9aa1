import type { ApprovalDecision, ApprovalRecord, ApprovalState, SignJobApproval } from '@fleetsign/queue';
import { z } from 'zod';

/** The `approval` part of a job or batch view (and the body of GET /v1/approvals/:id). */
export interface ApprovalView {
  state: ApprovalState;
  required: number;
  /** Approvals so far. */
  approved: number;
  /** The profile's approvers as configured: names and `scope:<scope>`. */
  approvers?: string[];
  decisions: ApprovalDecision[];
  expiresAt: string;
  decidedAt?: string;
}

/** A pending (or decided) approval as listed by GET /v1/approvals. */
export interface ApprovalListEntry {
  id: string;
  subject: 'job' | 'batch';
  tenant: string;
  profile: string;
  requester: string;
  createdAt: string;
  /** Items of a batch. */
  total?: number;
  metadata?: Record<string, string>;
  /** True when the caller may approve or reject it (an approver, not the requester, same tenant). */
  mayDecide: boolean;
  approval: ApprovalView;
  links: { self: string; decide: string };
}

/** The view of a stored approval. */
export function approvalViewOfRecord(record: ApprovalRecord): ApprovalView {
  return {
    state: record.state,
    required: record.required,
    approved: record.decisions.filter((d) => d.decision === 'approve').length,
    approvers: [...record.approvers],
    decisions: record.decisions,
    expiresAt: record.expiresAt,
    ...(record.decidedAt ? { decidedAt: record.decidedAt } : {}),
  };
}

/** The view of the verdict a released (or refused) sign job carries. */
export function approvalViewOfJob(approval: SignJobApproval): ApprovalView {
  return {
    state: approval.state,
    required: approval.required,
    approved: approval.decisions.filter((d) => d.decision === 'approve').length,
    decisions: approval.decisions,
    expiresAt: approval.expiresAt,
    decidedAt: approval.decidedAt,
  };
}

const decisionSchema = z.object({
  approver: z.string().describe('Name of the approver (API key id or identity), never a token'),
  decision: z.enum(['approve', 'reject']),
  at: z.string().describe('ISO-8601 time of the decision'),
  comment: z.string().optional(),
});

/** OpenAPI shape of {@link ApprovalView}. */
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
