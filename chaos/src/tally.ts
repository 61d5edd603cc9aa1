import { TRANSIENT_CODES, type ErrorCode } from '@fleetsign/errors';
import { quantile } from '../../bench/src/core/measure';
import type { SignerKill } from './faults';

// The chaos run's verdict from what the run observed: pure, so the rules are tested
// apart from the processes.

/** One accepted batch item as the end of the run saw it. */
export interface ItemOutcome {
  jobId: string;
  /** 'succeeded' or 'failed' when final; anything else (or undefined) is not final. */
  state?: string;
  errorCode?: string;
}

/** When a job killed with its signer became active again (BullMQ's processedOn), by job id. */
export type ActiveAgainAt = ReadonlyMap<string, number | undefined>;

/** The run's figures: the table and the results file. */
export interface ChaosTally {
  tried: number;
  succeeded: number;
  failedByCode: Record<string, number>;
  /** Failed with an infrastructure code (these must have been retried instead). */
  failedByInfrastructure: number;
  /** Accepted but never final. */
  lost: number;
  /** Jobs with more than one log entry or more than one signed object. */
  duplicated: number;
  takeover: { samples: number; p50Ms?: number; p99Ms?: number; maxMs?: number };
}

/** Accepted items (`accepted`, at least the sum of the outcomes) and what became of them. */
export function tallyItems(accepted: number, outcomes: readonly ItemOutcome[]): Pick<ChaosTally, 'tried' | 'succeeded' | 'failedByCode' | 'failedByInfrastructure' | 'lost'> {
  const failedByCode: Record<string, number> = {};
  let succeeded = 0;
  let failedByInfrastructure = 0;
  for (const item of outcomes) {
    if (item.state === 'succeeded') succeeded++;
    else if (item.state === 'failed') {
      const code = item.errorCode ?? 'NO_CODE';
      failedByCode[code] = (failedByCode[code] ?? 0) + 1;
      if (item.errorCode === undefined || TRANSIENT_CODES.has(item.errorCode as ErrorCode)) failedByInfrastructure++;
    }
  }
  const failed = Object.values(failedByCode).reduce((sum, n) => sum + n, 0);
  return { tried: accepted, succeeded, failedByCode, failedByInfrastructure, lost: accepted - succeeded - failed };
}

/** Jobs that appear more than once among log entries or among signed objects. */
export function countDuplicated(logJobIds: readonly string[], signedObjectJobIds: readonly string[]): number {
  const twice = new Set<string>();
  for (const ids of [logJobIds, signedObjectJobIds]) {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) twice.add(id);
      seen.add(id);
    }
  }
  return twice.size;
}

/**
 * Takeover times: for each job active at a kill that became active again afterwards
 * (it was the killed signer's: the surviving signer's jobs simply finish), the time from
 * the last kill before that moment at which the job was active (a job taken over and
 * killed again is measured from the second kill), one time per job.
 */
export function takeoverTimes(kills: readonly SignerKill[], activeAgainAt: ActiveAgainAt): number[] {
  const lastKillBefore = new Map<string, number>();
  for (const kill of kills) {
    for (const id of kill.activeJobIds) {
      const at = activeAgainAt.get(id);
      if (at === undefined || at < kill.killedAt) continue;
      lastKillBefore.set(id, Math.max(lastKillBefore.get(id) ?? 0, kill.killedAt));
    }
  }
  return [...lastKillBefore].map(([id, killedAt]) => activeAgainAt.get(id)! - killedAt);
}

/** p50, p99 and max of the takeover times. */
export function takeoverSummary(times: readonly number[]): ChaosTally['takeover'] {
  if (times.length === 0) return { samples: 0 };
  return {
    samples: times.length,
    p50Ms: Math.round(quantile(times, 0.5)),
    p99Ms: Math.round(quantile(times, 0.99)),
    maxMs: Math.max(...times),
  };
}
