import type { BatchView, FleetSignApi } from '@fleetsign/api';
import { type PollBackoff, pollUntil } from '../poll';
import type { PhaseDetail, ProgressReporter } from '../progress';
import { formatDuration } from '../progress';

/** How long a batch may show no activity before the bar says so (default). */
export const DEFAULT_STALL_AFTER_MS = 15_000;

/** Items of a batch that have finished, successfully or not. */
export function finishedCount(batch: BatchView): number {
  return batch.counts.succeeded + batch.counts.failed;
}

/**
 * Notices a batch nothing happens to: no item active and none finished for
 * `stallAfterMs`. The client cannot see the signers, only their effect, so the text
 * says what is observed (items queued, none taken) and what usually causes it.
 */
export class StallWatch {
  private lastFinished = -1;
  private quietSince: number;

  constructor(
    private readonly stallAfterMs: number,
    private readonly now: () => number,
  ) {
    this.quietSince = now();
  }

  /** The reason to show instead of an ETA, or undefined while items move. */
  observe(batch: BatchView): string | undefined {
    const finished = finishedCount(batch);
    if (finished !== this.lastFinished || batch.counts.active > 0 || batch.state === 'completed') {
      this.lastFinished = finished;
      this.quietSince = this.now();
      return undefined;
    }
    const quietMs = this.now() - this.quietSince;
    // Dual control: nothing moves until the approvers decide; that is not a missing signer.
    if (batch.state === 'awaiting_approval' && batch.approval) {
      return `awaiting approval: ${batch.approval.approved} of ${batch.approval.required} approvals, expires ${batch.approval.expiresAt}`;
    }
    if (quietMs < this.stallAfterMs) return undefined;
    return (
      `nothing processed for ${formatDuration(quietMs / 1000)}: ${batch.counts.queued} queued, ` +
      'no signer is taking jobs (is one running for this profile?)'
    );
  }
}

/** The bar's detail for a batch: failures so far and, when nothing moves, why. */
export function batchDetail(batch: BatchView, stalled: string | undefined): PhaseDetail {
  return { failed: batch.counts.failed, ...(stalled ? { stalled } : {}) };
}

/**
 * Polls the batch (bounded backoff) until it is completed and its manifest is written,
 * showing signing progress (signed and failed apart, and a stall when nothing moves);
 * PollTimeoutError after `timeoutMs`.
 */
export async function waitForBatch(
  api: FleetSignApi,
  id: string,
  options: {
    timeoutMs: number;
    progress: ProgressReporter;
    signal: AbortSignal;
    backoff?: PollBackoff;
    stallAfterMs?: number;
    now?: () => number;
  },
): Promise<BatchView> {
  const now = options.now ?? Date.now;
  const stall = new StallWatch(options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS, now);
  const first = await api.getBatch(id);
  const progress = options.progress.phase('sign', first.total, finishedCount(first));
  let initial: BatchView | undefined = first;
  let stalled: string | undefined;
  try {
    return await pollUntil(
      async () => {
        const batch = initial ?? (await api.getBatch(id));
        initial = undefined;
        stalled = stall.observe(batch);
        progress.update(finishedCount(batch), batchDetail(batch, stalled));
        return batch;
      },
      (batch) => batch.state === 'completed' && batch.manifest !== undefined,
      {
        timeoutMs: options.timeoutMs,
        backoff: options.backoff,
        signal: options.signal,
        now,
        timeoutMessage: (batch) =>
          `batch ${id} is still ${batch.state} (${finishedCount(batch)}/${batch.total} done) after ` +
          `${Math.round(options.timeoutMs / 1000)} s; ` +
          (stalled ? `${stalled}; ` : '') +
          'run the same command again to go on waiting',
      },
    );
  } finally {
    progress.finish();
  }
}
