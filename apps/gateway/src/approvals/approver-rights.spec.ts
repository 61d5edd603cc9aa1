import { ErrorCode } from '@fleetsign/errors';
import type { Principal } from '../auth/principal';
import { approverRefusal, isNamedApprover, mayReadApprovals } from './approver-rights';

const principal = (keyId: string, scopes: Principal['scopes'] = ['read'], tenant = 'acme'): Principal => ({ kind: 'api_key', name: keyId, tenant, scopes, profiles: ['*'] });
const rule = { approverNames: ['alice'], approverScopes: ['approve'] };
const record = { tenant: 'acme', requester: 'ci' };

describe('approver rights', () => {
  it('lets a named key or a holder of an approver scope (admin holds every scope) decide', () => {
    expect(approverRefusal(rule, principal('alice'), record)).toBeUndefined();
    expect(approverRefusal(rule, principal('bob', ['approve']), record)).toBeUndefined();
    expect(isNamedApprover(rule, principal('root', ['admin']))).toBe(true);
  });

  it('never lets the requester decide, even when named and holding the scope', () => {
    expect(approverRefusal({ approverNames: ['ci'], approverScopes: ['approve'] }, principal('ci', ['approve']), record)?.code).toBe(ErrorCode.ApprovalByRequester);
  });

  it('refuses keys that are not approvers, and approvers of another tenant', () => {
    expect(approverRefusal(rule, principal('mallory'), record)?.code).toBe(ErrorCode.ApproverNotAllowed);
    expect(approverRefusal(rule, principal('alice', ['read'], 'globex'), record)?.code).toBe(ErrorCode.ApproverNotAllowed);
  });

  it('lets keys with read, approve or operator, and named approvers, read approvals; a sign-only key not', () => {
    expect(mayReadApprovals(principal('x', ['read']), [])).toBe(true);
    expect(mayReadApprovals(principal('x', ['approve']), [])).toBe(true);
    expect(mayReadApprovals(principal('x', ['operator']), [])).toBe(true);
    expect(mayReadApprovals(principal('alice', ['sign']), [rule])).toBe(true);
    expect(mayReadApprovals(principal('ci', ['sign', 'batch']), [rule])).toBe(false);
  });
});
