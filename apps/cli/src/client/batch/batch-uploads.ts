import { type FleetSignApi, uploadFile } from '@fleetsign/api';
import { sha256OfFile } from '../io/file-digest';
import type { ClientEvent } from '../client-runtime';
import type { ProgressReporter } from '../progress';
import { runPool } from '../task-pool';
import type { BatchState } from './batch-state';
import type { SourceFile } from './source-files';

/** A source file with its digest and size. */
export interface HashedFile extends SourceFile {
  sha256: string;
  size: number;
}

/** Concurrency, cancellation and reporting of a phase. */
export interface PhaseContext {
  concurrency: number;
  signal: AbortSignal;
  progress: ProgressReporter;
  onEvent?: (event: ClientEvent) => void;
}

/** SHA-256 and size of every source file (read concurrently). */
export async function hashSources(files: readonly SourceFile[], phase: PhaseContext): Promise<HashedFile[]> {
  const hashed: HashedFile[] = new Array<HashedFile>(files.length);
  const progress = phase.progress.phase('hash', files.length);
  let done = 0;
  try {
    await runPool(
      files,
      phase.concurrency,
      async (file, index) => {
        hashed[index] = { ...file, ...(await sha256OfFile(file.path, phase.signal)) };
        progress.update(++done);
      },
      phase.signal,
    );
  } finally {
    progress.finish();
  }
  return hashed;
}

/**
 * Uploads every image the state does not already hold (identical images once),
 * recording each in the state as it lands; returns the source key per SHA-256 and
 * how many were uploaded now.
 */
export async function uploadSources(
  api: FleetSignApi,
  files: readonly HashedFile[],
  state: BatchState,
  phase: PhaseContext,
): Promise<{ keys: Map<string, string>; uploaded: number }> {
  const keys = new Map<string, string>();
  const pending: HashedFile[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.sha256)) continue;
    seen.add(file.sha256);
    const known = state.upload(file.sha256);
    if (known && known.size === file.size) keys.set(file.sha256, known.key);
    else pending.push(file);
  }
  const distinct = seen.size;
  const progress = phase.progress.phase('upload', distinct, distinct - pending.length);
  let done = distinct - pending.length;
  try {
    await runPool(
      pending,
      phase.concurrency,
      async (file) => {
        const grant = await api.createUpload(file.size, file.sha256);
        await uploadFile(grant, file.path, file.size, phase.signal);
        state.recordUpload(file.sha256, { key: grant.key, size: file.size });
        keys.set(file.sha256, grant.key);
        await state.save();
        progress.update(++done);
        phase.onEvent?.({ type: 'uploaded', name: file.name, key: grant.key });
      },
      phase.signal,
    );
  } finally {
    progress.finish();
  }
  return { keys, uploaded: pending.length };
}
