import { type ObjectStore, objectSource } from '@fleetsign/storage';
import { MAX_LOG_OBJECT_BYTES, verifyLog } from '@fleetsign/tlog';

/** Evidence that each image of a batch was signed exactly once. */
export interface SignedOnceCheck {
  items: number;
  /** Transparency log entries of the batch's item jobs (the whole log verified first). */
  logEntries: number;
  /** Signatures the signers' keys made meanwhile (their sign-duration histogram count); undefined when unreadable. */
  signings?: number;
}

/** Verifies the whole transparency log in `store` and counts its entries of `jobIds`; throws when the log does not verify. */
export async function countLogEntries(store: ObjectStore, jobIds: readonly string[]): Promise<number> {
  const verdict = await verifyLog(objectSource(store, MAX_LOG_OBJECT_BYTES));
  if (!verdict.ok) throw new Error(`the transparency log does not verify: ${verdict.reason}`);
  const wanted = new Set(jobIds);
  return verdict.entries.filter((entry) => wanted.has(entry.jobId)).length;
}

/**
 * Throws unless the batch has one log entry per item and, when the signers' metrics
 * could be read, the keys made exactly one signature per item (no image signed twice,
 * e.g. by two signer processes taking the same job).
 */
export function assertSignedOnce(check: SignedOnceCheck, what: string): void {
  if (check.logEntries !== check.items)
    throw new Error(`${what}: ${check.logEntries} log entries for ${check.items} items`);
  if (check.signings !== undefined && check.signings !== check.items)
    throw new Error(`${what}: the signers made ${check.signings} signatures for ${check.items} items`);
}
