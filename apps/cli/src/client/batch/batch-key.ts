import { createHash } from 'node:crypto';

/** A file of the batch as its idempotency key sees it. */
export interface KeyedFile {
  name: string;
  sha256: string;
}

/**
 * The Idempotency-Key of a batch: a digest of the profile, the --fresh choice and the
 * sorted (name, SHA-256) list, so running the same command over the same files names
 * the same batch, and any change of name or content names a new one.
 */
export function batchIdempotencyKey(profile: string, files: readonly KeyedFile[], fresh: boolean): string {
  const items = files.map((file) => [file.name, file.sha256]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const digest = createHash('sha256').update(JSON.stringify({ v: 1, profile, fresh, items })).digest('hex');
  return `fsbatch-${digest}`;
}
