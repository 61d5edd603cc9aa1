import type { ReconcileReport } from '@fleetsign/api';

export type { ReconcileReport };

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
