import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type BatchItemView, type BatchView, type FleetSignApi, isServiceError } from '@fleetsign/api';
import type { ClientEvent } from '../client-runtime';
import type { PollBackoff } from '../poll';
import type { ProgressReporter } from '../progress';
import { toIoError } from '@fleetsign/errors';
import { batchIdempotencyKey } from './batch-key';
import { MANIFEST_FILE, downloadSignedItems, saveManifest } from './batch-downloads';
import { type BatchReport, failedItems } from './batch-report';
import { BATCH_STATE_FILE, BatchState } from './batch-state';
import { recordedBatch, submitBatch } from './batch-submit';
import { type HashedFile, hashSources, uploadSources } from './batch-uploads';
import { waitForBatch } from './batch-wait';
import { findSourceFiles, type SourceFile } from './source-files';

/** What `fleetsign batch` was asked to do. */
export interface BatchRequest {
  /** A folder or a file-name pattern. */
  source: string;
  profile: string;
  outDir: string;
  concurrency: number;
  fresh: boolean;
  recursive: boolean;
  /** Longest wait for the service to sign everything. */
  timeoutMs: number;
}

/** Services and reporting a batch run uses. */
export interface BatchRunContext {
  api: FleetSignApi;
  /** Gateway base URL (the resume record belongs to it). */
  server: string;
  apiKey: string;
  signal: AbortSignal;
  progress: ProgressReporter;
  warn: (line: string) => void;
  onEvent?: (event: ClientEvent) => void;
  pollBackoff?: PollBackoff;
  /** How long a batch may show no activity before the bar says nothing is processed. */
  stallAfterMs?: number;
  now?: () => number;
}

/**
 * Signs a folder of images as one batch and downloads the results: hash, upload what
 * the resume record lacks, submit under the content-derived Idempotency-Key (a re-run
 * names the same batch), wait, download what is not already there, save the manifest.
 */
export async function runBatch(request: BatchRequest, run: BatchRunContext): Promise<BatchReport> {
  const now = run.now ?? Date.now;
  const startedAt = now();
  const files = await findSourceFiles(request.source, { recursive: request.recursive, excludeDir: request.outDir });
  checkOutputs(files, request.outDir);
  await mkdir(request.outDir, { recursive: true }).catch((err: unknown) => {
    throw toIoError(err, 'create', request.outDir);
  });
  const phase = { concurrency: request.concurrency, signal: run.signal, progress: run.progress, onEvent: run.onEvent };

  const hashed = await hashSources(files, phase);
  const idempotencyKey = batchIdempotencyKey(request.profile, hashed, request.fresh);
  const state = await BatchState.load(request.outDir, { server: run.server, apiKey: run.apiKey, profile: request.profile });

  let uploaded = 0;
  try {
    let batchId = (await recordedBatch(run.api, state, idempotencyKey))?.id;
    const resumed = batchId !== undefined;
    if (batchId === undefined) {
      let reusedUploads = false;
      const uploadAndSubmit = async () => {
        const uploads = await uploadSources(run.api, hashed, state, phase);
        uploaded += uploads.uploaded;
        reusedUploads = uploads.uploaded < uploads.keys.size;
        const body = { profile: request.profile, fresh: request.fresh, files: hashed, keys: uploads.keys };
        return submitBatch(run.api, body, state, idempotencyKey, run.warn);
      };
      try {
        batchId = await uploadAndSubmit();
      } catch (err) {
        // Recorded uploads the store has dropped since: upload everything again, once.
        if (!isServiceError(err, 'SOURCE_NOT_FOUND') || !reusedUploads) throw err;
        state.forgetUploads();
        batchId = await uploadAndSubmit();
      }
    }
    run.onEvent?.({ type: 'batch-created', batchId, resumed });

    const completed = await waitForBatch(run.api, batchId, {
      timeoutMs: request.timeoutMs,
      progress: run.progress,
      signal: run.signal,
      backoff: run.pollBackoff,
      stallAfterMs: run.stallAfterMs,
    });
    const items = await run.api.allBatchItems(completed.id, completed.total);
    const fileOf = matchItems(items, hashed, completed);
    const planned = items.map((item) => ({ item, name: fileOf(item).name, path: join(request.outDir, fileOf(item).name) }));
    const downloads = await downloadSignedItems(planned, phase);
    const manifestPath = await saveManifest(completed.manifest!.downloadUrl, request.outDir, run.signal);

    const elapsedSec = Math.max((now() - startedAt) / 1000, 0.001);
    const failures = failedItems(items, (item) => fileOf(item).name);
    const succeeded = items.filter((item) => item.state === 'succeeded').length;
    return {
      batchId: completed.id,
      profile: request.profile,
      total: completed.total,
      succeeded,
      failed: failures.length,
      reused: items.filter((item) => item.reused === true).length,
      uploaded,
      downloaded: downloads.downloaded,
      alreadyPresent: downloads.alreadyPresent,
      resumed,
      elapsedSec,
      imagesPerSec: completed.total / elapsedSec,
      signedPerSec: succeeded / elapsedSec,
      outDir: request.outDir,
      manifestPath,
      failures,
    };
  } finally {
    // Whatever happened (an interrupt included), the next run starts from what is recorded.
    await state.save(true).catch((err: unknown) => run.warn(`note: could not save ${BATCH_STATE_FILE}: ${(err as Error).message}`));
  }
}

/** Refuses outputs that would overwrite an input or the folder's own records. */
function checkOutputs(files: readonly SourceFile[], outDir: string): void {
  for (const file of files) {
    if (file.name === MANIFEST_FILE || file.name === BATCH_STATE_FILE) {
      throw new FleetSignError(ErrorCode.InvalidArgument, `"${file.path}" would clash with the batch's ${file.name} in "${outDir}"`);
    }
    if (resolve(outDir, file.name) === resolve(file.path)) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `the signed "${file.name}" would overwrite its input "${file.path}"; choose another --out folder`,
      );
    }
  }
}

/**
 * Pairs the service's items with the files sent: they must be exactly those files (the
 * file, never the service, decides where an output goes).
 */
function matchItems(
  items: readonly BatchItemView[],
  files: readonly HashedFile[],
  batch: BatchView,
): (item: BatchItemView) => HashedFile {
  const byItemName = new Map(files.map((file) => [file.itemName, file]));
  const seen = new Set(items.map((item) => item.name));
  if (items.length !== files.length || batch.total !== files.length || seen.size !== files.length || items.some((item) => !byItemName.has(item.name))) {
    throw new Error(`batch ${batch.id} does not hold exactly the ${files.length} images of this folder`);
  }
  return (item) => byItemName.get(item.name) as HashedFile;
}
