import { z } from 'zod';
import type { ConfigProblem } from './config-error';
import { parseDurationMs } from './policy-schema';

// Dual control of a profile, as written in the configuration file (snake_case).

/** Prefix of an `approvers` entry naming a scope instead of an API key (`scope:approve`). */
export const APPROVER_SCOPE_PREFIX = 'scope:';

const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;

/** Longest an approval may wait: a held job keeps its Redis state and its caller waiting. */
export const MAX_APPROVAL_WAIT_MS = 30 * 86_400_000;

/**
 * `approval` of a profile: its jobs and batches wait (no HSM operation) until `required`
 * distinct approvers, never the requester, approve; one rejection or the expiry fails them.
 */
export const approvalSchema = z.strictObject({
  /** How many distinct approvers must approve. */
  required: z.number().int().min(1).max(10),
  /** API key ids (or identity names), and/or `scope:<scope>` for every key of the tenant holding that scope. */
  approvers: z
    .array(z.string().regex(/^(scope:)?[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'must be an API key id or scope:<scope>'))
    .min(1, 'must name at least one approver (an API key id or scope:<scope>)'),
  /** How long a job or batch waits for its approvals, e.g. '24h'; then it fails with APPROVAL_EXPIRED. */
  expires_after: z.string().regex(DURATION, 'must be a duration such as 24h, 90m or 2d').default('24h'),
});

export type ApprovalEntry = z.output<typeof approvalSchema>;

/** A profile's dual-control rule, validated. */
export interface ApprovalConfig {
  readonly required: number;
  /** API key ids / identity names allowed to decide. */
  readonly approverNames: readonly string[];
  /** Scopes whose holders (same tenant) may decide. */
  readonly approverScopes: readonly string[];
  readonly expiresAfterMs: number;
}

/** The rule of a validated `approval` entry. */
export function toApprovalConfig(entry: ApprovalEntry): ApprovalConfig {
  const scopes = entry.approvers.filter((a) => a.startsWith(APPROVER_SCOPE_PREFIX)).map((a) => a.slice(APPROVER_SCOPE_PREFIX.length));
  const names = entry.approvers.filter((a) => !a.startsWith(APPROVER_SCOPE_PREFIX));
  return {
    required: entry.required,
    approverNames: [...new Set(names)],
    approverScopes: [...new Set(scopes)],
    expiresAfterMs: parseDurationMs(entry.expires_after),
  };
}

/** What the cross-check needs of the API keys. */
interface ApiKeyFacts {
  id: string;
  scopes: readonly string[];
}

/**
 * Problems of a profile's `approval` against the API keys: named approvers must exist,
 * scopes must be real, and enough distinct keys must be able to approve (otherwise no
 * job of the profile could ever be released).
 */
export function checkApproval(
  approval: ApprovalEntry,
  at: string,
  apiKeys: readonly ApiKeyFacts[],
  scopes: readonly string[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const ids = new Set(apiKeys.map((key) => key.id));
  const rule = toApprovalConfig(approval);
  approval.approvers.forEach((entry, k) => {
    if (entry.startsWith(APPROVER_SCOPE_PREFIX)) {
      const scope = entry.slice(APPROVER_SCOPE_PREFIX.length);
      if (!scopes.includes(scope)) problems.push({ setting: `${at}.approvers[${k}]`, problem: `unknown scope '${scope}' (known: ${scopes.join(', ')})` });
    } else if (!ids.has(entry)) {
      problems.push({ setting: `${at}.approvers[${k}]`, problem: `unknown API key '${entry}' (list it under api_keys)` });
    }
  });
  const eligible = apiKeys.filter(
    (key) => rule.approverNames.includes(key.id) || key.scopes.some((scope) => rule.approverScopes.includes(scope) || (scope === 'admin' && rule.approverScopes.length > 0)),
  );
  if (problems.length === 0 && eligible.length < approval.required) {
    problems.push({
      setting: `${at}.required`,
      problem: `needs ${approval.required} distinct approvers but only ${eligible.length} API key(s) can approve`,
    });
  }
  if (parseDurationMs(approval.expires_after) <= 0 || parseDurationMs(approval.expires_after) > MAX_APPROVAL_WAIT_MS) {
    problems.push({ setting: `${at}.expires_after`, problem: 'must be more than 0s and at most 30d' });
  }
  return problems;
}
