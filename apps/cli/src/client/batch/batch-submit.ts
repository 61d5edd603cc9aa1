import { createHash } from 'node:crypto';
import { type BatchView, type FleetSignApi, isServiceError } from '@fleetsign/api';
import type { BatchState } from './batch-state';
import type { HashedFile } from './batch-uploads';

/** The batch recorded in the state for this key, if the service still has it. */
export async function recordedBatch(api: FleetSignApi, state: BatchState, idempotencyKey: string): Promise<BatchView | undefined> {
  const id = state.batchFor(idempotencyKey);
  if (!id) return undefined;
  try {
    return await api.getBatch(id);
  } catch (err) {
    if (!isServiceError(err) || err.status !== 404) throw err;
    // Expired on the service: submit again (the service reuses signatures it still has).
    state.recordBatch(idempotencyKey, undefined);
    return undefined;
  }
}

/**
 * POSTs the batch under its idempotency key. When the service answers 409 (these files
 * were submitted before from other uploads: another folder, or a record this folder
 * lost), the batch is sent under a key that also covers the new uploads: a new batch
 * whose images the service recognises by content, so nothing is signed twice unless
 * --fresh. The note is for a folder whose record no longer matches; a first run here
 * says nothing (the summary counts the reused signatures).
 */
export async function submitBatch(
  api: FleetSignApi,
  request: { profile: string; fresh: boolean; files: readonly HashedFile[]; keys: ReadonlyMap<string, string> },
  state: BatchState,
  idempotencyKey: string,
  warn: (line: string) => void,
): Promise<string> {
  const items = request.files.map((file) => ({
    name: file.itemName,
    source: { key: sourceKeyOf(request.keys, file), sha256: file.sha256 },
  }));
  const body = { profile: request.profile, items, ...(request.fresh ? { fresh: true } : {}) };
  let key = idempotencyKey;
  let accepted;
  try {
    accepted = await api.createBatch(body, key);
  } catch (err) {
    if (!isServiceError(err, 'IDEMPOTENCY_CONFLICT')) throw err;
    key = `${idempotencyKey}-${uploadsDigest(items.map((item) => item.source.key))}`;
    if (state.fromEarlierRun) {
      warn(
        'note: these files were submitted before from uploads this folder no longer records; ' +
          'starting a new batch (images the service has signed already are reused)',
      );
    }
    accepted = await api.createBatch(body, key);
  }
  state.recordBatch(idempotencyKey, accepted.id);
  await state.save(true);
  return accepted.id;
}

function sourceKeyOf(keys: ReadonlyMap<string, string>, file: HashedFile): string {
  const key = keys.get(file.sha256);
  if (!key) throw new Error(`"${file.name}" has not been uploaded`);
  return key;
}

function uploadsDigest(keys: readonly string[]): string {
  return createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 16);
}
