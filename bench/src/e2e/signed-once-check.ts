import type { ObjectStore } from '@fleetsign/storage';
import { BENCH_TENANT } from '../stack/fleet-config';

/** Evidence that each image of a batch was signed exactly once. */
export interface SignedOnceCheck {
  items: number;
  /** Audit records (audit/<tenant>/<jobId>.json) of the batch's item jobs. */
  auditRecords: number;
  /** Signatures the signers' keys made meanwhile (their sign-duration histogram count); undefined when unreadable. */
  signings?: number;
}

/** Counts the audit records in `store` that belong to `jobIds`. */
export async function countAuditRecords(store: ObjectStore, jobIds: readonly string[]): Promise<number> {
  const wanted = new Set(jobIds.map((id) => `audit/${BENCH_TENANT}/${id}.json`));
  let found = 0;
  for await (const key of store.list(`audit/${BENCH_TENANT}/`)) if (wanted.has(key)) found++;
  return found;
}

/**
 * Throws unless the batch has one audit record per item and, when the signers' metrics
 * could be read, the keys made exactly one signature per item (no image signed twice,
 * e.g. by two signer processes taking the same job).
 */
export function assertSignedOnce(check: SignedOnceCheck, what: string): void {
  if (check.auditRecords !== check.items)
    throw new Error(`${what}: ${check.auditRecords} audit records for ${check.items} items`);
  if (check.signings !== undefined && check.signings !== check.items)
    throw new Error(`${what}: the signers made ${check.signings} signatures for ${check.items} items`);
}
