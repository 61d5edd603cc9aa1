/** What one reconcile run found and did; the answer of POST /v1/admin/reconcile. */
export interface ReconcileReport {
  startedAt: string;
  finishedAt: string;
  batches: {
    /** Intake records read. */
    seen: number;
    /** State in Redis, nothing to do. */
    intact: number;
    /** State in Redis, but item jobs missing (an enqueue cut short, or jobs Redis lost): added again. */
    resumed: number;
    /** No state in Redis: record, items and item jobs re-created. */
    restored: number;
    /** No state in Redis but a manifest in the store: completed before the loss, left as is. */
    completedBefore: number;
    /** Accepted longer ago than Redis keeps a batch: left alone. */
    expired: number;
  };
  items: {
    /** Item jobs added again. */
    enqueued: number;
    /** Of those, items the transparency log already holds: the signer takes their result from the log, no new signature. */
    logged: number;
  };
  jobs: {
    seen: number;
    intact: number;
    /** Sign jobs added again. */
    restored: number;
    /** Of those, jobs the transparency log already holds (no new signature). */
    logged: number;
    /** Accepted longer ago than Redis keeps a job in that state: left alone. */
    expired: number;
  };
  /** Intake records that could not be read or acted on (at most {@link MAX_REPORTED_PROBLEMS}). */
  problems: Array<{ key: string; reason: string }>;
}

/** Most problems listed in a report. */
export const MAX_REPORTED_PROBLEMS = 100;

export function emptyReport(startedAt: Date): ReconcileReport {
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    batches: { seen: 0, intact: 0, resumed: 0, restored: 0, completedBefore: 0, expired: 0 },
    items: { enqueued: 0, logged: 0 },
    jobs: { seen: 0, intact: 0, restored: 0, logged: 0, expired: 0 },
    problems: [],
  };
}
