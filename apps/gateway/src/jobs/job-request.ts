import { createHash } from 'node:crypto';
import type { CreateJobRequest } from '@fleetsign/api';

// The request schemas live in @fleetsign/api; what stays here is the gateway's use of them.

/** JSON text of `value` with object keys sorted at every depth, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** SHA-256 (hex) of the canonical form of a validated request: the idempotency fingerprint. */
export function requestHash(request: CreateJobRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}
