import { ErrorCode, isTransientError } from '@fleetsign/errors';
import type { SignJobApproval } from '@fleetsign/queue';
import { checkApprovalReleased } from './approval-gate';

const base: Omit<SignJobApproval, 'state'> = {
  required: 2,
  decisions: [{ approver: 'alice', decision: 'approve', at: '2026-01-01T00:00:00.000Z' }],
  expiresAt: '2026-01-02T00:00:00.000Z',
  decidedAt: '2026-01-01T01:00:00.000Z',
};

const refusal = (approval: SignJobApproval) => {
  try {
    checkApprovalReleased({ approval });
  } catch (err) {
    return err as { code: ErrorCode; message: string };
  }
  return undefined;
};

describe('checkApprovalReleased', () => {
  it('lets jobs without approval and approved jobs through', () => {
    expect(() => checkApprovalReleased({})).not.toThrow();
    expect(refusal({ ...base, state: 'approved' })).toBeUndefined();
  });

  it('fails a rejected job for good, naming the approver and the comment', () => {
    const err = refusal({ ...base, state: 'rejected', decisions: [...base.decisions, { approver: 'bob', decision: 'reject', at: 't', comment: 'wrong build' }] });
    expect(err).toMatchObject({ code: ErrorCode.ApprovalRejected, message: 'Rejected by bob: wrong build' });
    expect(isTransientError(err)).toBe(false);
  });

  it('fails an expired job for good with the approvals it had', () => {
    const err = refusal({ ...base, state: 'expired' });
    expect(err).toMatchObject({ code: ErrorCode.ApprovalExpired, message: 'The approval expired at 2026-01-02T00:00:00.000Z with 1 of 2 approvals' });
    expect(isTransientError(err)).toBe(false);
  });
});
