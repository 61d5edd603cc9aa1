import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BatchItemView, MANIFEST_MAX_BYTES, downloadFile, fetchBytes } from '@fleetsign/api';
import { sha256IfExists } from '../io/file-digest';
import { writeFileAtomic } from '../../io/atomic-write';
import { toIoError } from '@fleetsign/errors';
import { runPool } from '../task-pool';
import type { PhaseContext } from './batch-uploads';

/** How the download phase went. */
export interface DownloadOutcome {
  downloaded: number;
  /** Already in the output folder with the right SHA-256. */
  alreadyPresent: number;
}

/** A batch item and where its signed image goes. */
export interface PlannedDownload {
  item: BatchItemView;
  /** The file's name under the output folder. */
  name: string;
  path: string;
}

/**
 * Downloads every succeeded item to its path (temp file, SHA-256 check against the
 * service's signedSha256, rename). Files already there with the right digest are
 * kept as they are.
 */
export async function downloadSignedItems(planned: readonly PlannedDownload[], phase: PhaseContext): Promise<DownloadOutcome> {
  const succeeded = planned.filter(({ item }) => item.state === 'succeeded');
  const progress = phase.progress.phase('download', succeeded.length);
  const outcome: DownloadOutcome = { downloaded: 0, alreadyPresent: 0 };
  let done = 0;
  try {
    await runPool(
      succeeded,
      phase.concurrency,
      async ({ item, name, path }) => {
        if (!item.signedSha256 || !item.downloadUrl) {
          throw new Error(`the service reported "${name}" signed but gave no download for it`);
        }
        if ((await sha256IfExists(path)) === item.signedSha256.toLowerCase()) {
          outcome.alreadyPresent++;
          phase.onEvent?.({ type: 'download-skipped', name, path });
        } else {
          await mkdir(dirname(path), { recursive: true }).catch((err: unknown) => {
            throw toIoError(err, 'create', dirname(path));
          });
          await downloadFile(item.downloadUrl, path, item.signedSha256, phase.signal);
          outcome.downloaded++;
          phase.onEvent?.({ type: 'downloaded', name, path });
        }
        progress.update(++done);
      },
      phase.signal,
    );
  } finally {
    progress.finish();
  }
  return outcome;
}

/** Name of the batch manifest in the output folder. */
export const MANIFEST_FILE = 'manifest.json';

/** Fetches the service's manifest and writes it (as sent, once it parses as JSON) to `outDir/manifest.json`. */
export async function saveManifest(url: string, outDir: string, signal: AbortSignal): Promise<string> {
  const bytes = await fetchBytes(url, MANIFEST_MAX_BYTES, signal);
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error('the batch manifest the service sent is not JSON');
  }
  const path = join(outDir, MANIFEST_FILE);
  await writeFileAtomic(path, bytes);
  return path;
}
