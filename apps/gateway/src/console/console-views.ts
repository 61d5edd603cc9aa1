import { type BatchRecord, type SignJobData, type SignJobResult, decodeFailureReason } from '@fleetsign/queue';
import type { JobState } from 'bullmq';
import type { ApiBatchState, ApiJobState, BatchCountsView, ErrorView as JobErrorView } from '@fleetsign/api';
import { batchCounts, batchState } from '../batches/batch-view';
import { type JobSnapshot, apiJobState } from '../jobs/job-view';

/** One job as the operator console lists it (any tenant; no URLs, no secrets). */
export interface ConsoleJobRow {
  id: string;
  tenant: string;
  profile: string;
  state: ApiJobState;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  batchId?: string;
  batchIndex?: number;
  /** SHA-256 of the image as uploaded (declared or measured), when known. */
  sourceSha256?: string;
  /** SHA-256 of the signed data, once signed. */
  imageSha256?: string;
  error?: JobErrorView;
}

/** One batch as the console lists it. */
export interface ConsoleBatchRow {
  id: string;
  tenant: string;
  profile: string;
  state: ApiBatchState;
  total: number;
  counts: BatchCountsView;
  progress: number;
  createdAt: string;
  finishedAt?: string;
}

/** The console's row of a sign job in a known BullMQ state. */
export function consoleJobRow(job: JobSnapshot<SignJobData, SignJobResult>, state: JobState | 'unknown'): ConsoleJobRow {
  const apiState = apiJobState(state);
  const row: ConsoleJobRow = {
    id: job.id ?? '',
    tenant: job.data.tenant,
    profile: job.data.profile,
    state: apiState,
    createdAt: new Date(job.timestamp).toISOString(),
    attempts: job.attemptsMade,
  };
  if (job.finishedOn && (apiState === 'succeeded' || apiState === 'failed')) row.finishedAt = new Date(job.finishedOn).toISOString();
  if (job.data.batchId !== undefined) row.batchId = job.data.batchId;
  if (job.data.batchIndex !== undefined) row.batchIndex = job.data.batchIndex;
  if (job.data.source.sha256) row.sourceSha256 = job.data.source.sha256;
  if (apiState === 'succeeded' && job.returnvalue) row.imageSha256 = job.returnvalue.imageSha256;
  if (apiState === 'failed') row.error = decodeFailureReason(job.failedReason);
  return row;
}

/** The console's row of a batch. */
export function consoleBatchRow(record: BatchRecord, activeCount: number): ConsoleBatchRow {
  const counts = batchCounts(record, activeCount);
  const state = batchState(record, counts);
  return {
    id: record.batchId,
    tenant: record.tenant,
    profile: record.profile,
    state,
    total: record.total,
    counts,
    progress: record.total === 0 ? 0 : (counts.succeeded + counts.failed) / record.total,
    createdAt: record.createdAt,
    ...(state === 'completed' && record.finishedAt ? { finishedAt: record.finishedAt } : {}),
  };
}

/** Jobs finished within `windowMs` before `now`: counts by outcome and failures by code. */
export interface Throughput {
  windowSec: number;
  succeeded: number;
  failed: number;
  perMinute: number;
  failuresByCode: Record<string, number>;
}

/** Throughput over the rows given (the most recent finished jobs). */
export function throughputOf(rows: readonly ConsoleJobRow[], now: number, windowMs: number): Throughput {
  const recent = rows.filter((row) => row.finishedAt !== undefined && now - Date.parse(row.finishedAt) <= windowMs);
  const failuresByCode: Record<string, number> = {};
  for (const row of recent) if (row.error) failuresByCode[row.error.code] = (failuresByCode[row.error.code] ?? 0) + 1;
  const succeeded = recent.filter((row) => row.state === 'succeeded').length;
  return {
    windowSec: windowMs / 1000,
    succeeded,
    failed: recent.length - succeeded,
    perMinute: Math.round((recent.length / (windowMs / 60_000)) * 10) / 10,
    failuresByCode,
  };
}
