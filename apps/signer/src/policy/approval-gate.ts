import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SignJobData } from '@fleetsign/queue';

/**
 * Dual control in the signer: a job of a profile with approvals reaches the queue only
 * once its approval is over, carrying the verdict. Anything but `approved` fails the job
 * for good here, first thing, before the image is fetched or any key is touched.
 */
export function checkApprovalReleased(data: Pick<SignJobData, 'approval'>): void {
  const approval = data.approval;
  if (!approval || approval.state === 'approved') return;
  if (approval.state === 'rejected') {
    const by = approval.decisions.find((d) => d.decision === 'reject');
    const why = by?.comment ? `: ${by.comment}` : '';
    throw new FleetSignError(ErrorCode.ApprovalRejected, `Rejected by ${by?.approver ?? 'an approver'}${why}`);
  }
  const approved = approval.decisions.filter((d) => d.decision === 'approve').length;
  throw new FleetSignError(
    ErrorCode.ApprovalExpired,
    `The approval expired at ${approval.expiresAt} with ${approved} of ${approval.required} approvals`,
  );
}
