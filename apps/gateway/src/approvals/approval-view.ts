import type { ApprovalView } from '@fleetsign/api';
import type { ApprovalRecord } from '@fleetsign/queue';

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
