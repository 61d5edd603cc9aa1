import type { ApprovalConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { ApprovalRecord } from '@fleetsign/queue';
import { type Principal, hasScope } from '../auth/principal';
import type { ApiScope } from '@fleetsign/config';

/**
 * The name an approval records for a caller: the principal's identity (the API key id,
 * or an OIDC token's subject), as recorded for requesters. Requester and approvers are
 * compared by it, never by token.
 */
export function approverName(principal: Principal): string {
  return principal.name;
}

/** True when the rule names the caller, or the caller holds one of its scopes. */
export function isNamedApprover(rule: Pick<ApprovalConfig, 'approverNames' | 'approverScopes'>, principal: Principal): boolean {
  return (
    rule.approverNames.includes(approverName(principal)) ||
    rule.approverScopes.some((scope) => hasScope(principal, scope as ApiScope))
  );
}

/**
 * True when the caller may read approvals (list, show): a key with `read`, `approve` or
 * `operator` (admin holds all), or one named as an approver of some profile.
 */
export function mayReadApprovals(principal: Principal, rules: ReadonlyArray<Pick<ApprovalConfig, 'approverNames'>>): boolean {
  return (
    (['read', 'approve', 'operator'] as const).some((scope) => hasScope(principal, scope)) ||
    rules.some((rule) => rule.approverNames.includes(approverName(principal)))
  );
}

/** Why the caller may not decide on `record` (403 codes), or undefined when it may. */
export function approverRefusal(
  rule: Pick<ApprovalConfig, 'approverNames' | 'approverScopes'>,
  principal: Principal,
  record: Pick<ApprovalRecord, 'tenant' | 'requester'>,
): FleetSignError | undefined {
  if (record.tenant !== principal.tenant) {
    return new FleetSignError(ErrorCode.ApproverNotAllowed, 'Approvers decide only on their own tenant\'s jobs and batches');
  }
  if (record.requester === approverName(principal)) {
    return new FleetSignError(ErrorCode.ApprovalByRequester, 'The requester may not approve or reject its own request (dual control)');
  }
  if (!isNamedApprover(rule, principal)) {
    return new FleetSignError(ErrorCode.ApproverNotAllowed, `"${approverName(principal)}" is not an approver of this profile`);
  }
  return undefined;
}
