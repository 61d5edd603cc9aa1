import type { BatchView } from '../http/api-types';
import type { FleetSignApi } from '../http/fleetsign-api';
import { type PollBackoff, pollUntil } from '../poll';
import type { ProgressReporter } from '../progress';

/** Items of a batch that have finished, successfully or not. */
export function finishedCount(batch: BatchView): number {
  return batch.counts.succeeded + batch.counts.failed;
}

/**
 * Polls the batch (bounded backoff) until it is completed and its manifest is written,
 * showing signing progress; PollTimeoutError after `timeoutMs`.
 */
export async function waitForBatch(
  api: FleetSignApi,
  id: string,
  options: { timeoutMs: number; progress: ProgressReporter; signal: AbortSignal; backoff?: PollBackoff },
): Promise<BatchView> {
  const first = await api.getBatch(id);
  const progress = options.progress.phase('sign', first.total, finishedCount(first));
  let initial: BatchView | undefined = first;
  try {
    return await pollUntil(
      async () => {
        const batch = initial ?? (await api.getBatch(id));
        initial = undefined;
        progress.update(finishedCount(batch));
        return batch;
      },
      (batch) => batch.state === 'completed' && batch.manifest !== undefined,
      {
        timeoutMs: options.timeoutMs,
        backoff: options.backoff,
        signal: options.signal,
        timeoutMessage: (batch) =>
          `batch ${id} is still ${batch.state} (${finishedCount(batch)}/${batch.total} done) after ` +
          `${Math.round(options.timeoutMs / 1000)} s; run the same command again to go on waiting`,
      },
    );
  } finally {
    progress.finish();
  }
}
