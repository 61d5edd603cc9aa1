import { PRIORITY_LIMIT } from 'bullmq';

// BullMQ takes a job WITHOUT a priority before any prioritised one, and among
// prioritised jobs the lower number first (FIFO within one number). FleetSign gives
// every sign job a priority so the order is decided by these numbers alone.

/** Priority of single (release) jobs from POST /v1/jobs: ahead of every batch item. */
export const RELEASE_JOB_PRIORITY = 1;

/** Priority of the first slice of a tenant's batch backlog; 2-9 stay free for future classes. */
export const BATCH_BASE_PRIORITY = 10;

/** Largest priority BullMQ accepts (2^21 - 1). */
export const MAX_JOB_PRIORITY: number = PRIORITY_LIMIT;

/**
 * Priority of a batch item given how many of its tenant's batch items were waiting
 * before it: `BATCH_BASE_PRIORITY + floor(backlogBefore / slice)`, capped at BullMQ's
 * maximum. Each tenant's first `slice` items share the best batch priority, the next
 * `slice` the one after, so big batches of several tenants interleave slice by slice
 * and a small batch is never queued behind all of another tenant's items.
 */
export function batchItemPriority(backlogBefore: number, slice: number): number {
  if (!Number.isSafeInteger(slice) || slice < 1)
    throw new RangeError(`fair-share slice must be a whole number >= 1, got ${slice}`);
  const before = Number.isFinite(backlogBefore) ? Math.max(0, Math.floor(backlogBefore)) : 0;
  return Math.min(MAX_JOB_PRIORITY, BATCH_BASE_PRIORITY + Math.floor(before / slice));
}
