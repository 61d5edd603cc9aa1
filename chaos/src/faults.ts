import { renameSync } from 'node:fs';
import { pollUntil } from '@fleetsign/devstack';
import type { Queue } from 'bullmq';
import { progress } from '../../bench/src/core/progress';
import type { ChaosStack } from './chaos-stack';

/** A signer kill: when, and which jobs were active in the queue at that moment. */
export interface SignerKill {
  signer: string;
  killedAt: number;
  activeJobIds: string[];
}

/** What a fault did, for the report. */
export interface FaultRecord {
  fault: string;
  injected: boolean;
  detail: string;
  kills?: SignerKill[];
}

/** The run's handles a fault needs. */
export interface FaultContext {
  stack: ChaosStack;
  /** The sign queue (read only: which jobs are active). */
  queue: Queue;
  /** True once the batch under fault has finished. */
  batchDone(): boolean;
}

/** How long a part stays away in an outage. */
export const OUTAGE_MS = 6_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Active job ids once some job is active; undefined when the batch finished first (bounded). */
async function activeJobs(ctx: FaultContext): Promise<string[] | undefined> {
  return pollUntil(
    async () => {
      if (ctx.batchDone()) return [];
      const active = await ctx.queue.getActive().catch(() => []);
      const ids = active.map((job) => job.id).filter((id): id is string => id !== undefined);
      return ids.length > 0 ? ids : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 20, description: 'a job to be active' },
  ).then((ids) => (ids.length > 0 ? ids : undefined));
}

/** SIGKILLs the signers in turn (`count` kills) while they hold jobs; the launcher restarts each. */
export function signerKills(count: number) {
  return async (ctx: FaultContext): Promise<FaultRecord> => {
    const kills: SignerKill[] = [];
    for (let i = 0; i < count; i++) {
      const signer = ctx.stack.fleet.signers[i % ctx.stack.fleet.signers.length];
      const active = await activeJobs(ctx);
      if (!active) break;
      const restarts = signer.restarts;
      const killedAt = Date.now();
      await signer.kill();
      kills.push({ signer: signer.name, killedAt, activeJobIds: active });
      progress(`  killed ${signer.name} (SIGKILL) with ${active.length} jobs active in the queue`);
      // Never both signers down at once: the launcher restarts this one before the next kill.
      await pollUntil(async () => (signer.restarts > restarts ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 50,
        description: `the launcher to restart the ${signer.name}`,
      });
      await signer.waitReady(60_000);
    }
    return { fault: 'signer SIGKILL', injected: kills.length > 0, detail: `${kills.length} of ${count} kills`, kills };
  };
}

/** SIGKILLs Redis while the batch runs and restarts it on the same port and AOF folder. */
export async function redisCrash(ctx: FaultContext): Promise<FaultRecord> {
  const active = await activeJobs(ctx);
  if (!active) return { fault: 'Redis SIGKILL + restart', injected: false, detail: 'the batch finished first' };
  await ctx.stack.crashRedis(OUTAGE_MS / 2);
  progress(`  Redis killed and restarted (AOF) with ${active.length} jobs active`);
  return { fault: 'Redis SIGKILL + restart', injected: true, detail: `down ${OUTAGE_MS / 2000} s` };
}

/** Moves a folder away for OUTAGE_MS while the batch runs, then back. */
function folderOutage(fault: string, path: (stack: ChaosStack) => string) {
  return async (ctx: FaultContext): Promise<FaultRecord> => {
    const active = await activeJobs(ctx);
    if (!active) return { fault, injected: false, detail: 'the batch finished first' };
    const folder = path(ctx.stack);
    const away = `${folder}.away`;
    renameSync(folder, away);
    try {
      await pause(OUTAGE_MS);
    } finally {
      renameSync(away, folder);
    }
    progress(`  ${fault}: away ${OUTAGE_MS / 1000} s with ${active.length} jobs active`);
    return { fault, injected: true, detail: `away ${OUTAGE_MS / 1000} s` };
  };
}

export const storeOutage = folderOutage('store outage (fs root renamed)', (stack) => stack.storeRoot);
export const hsmOutage = folderOutage('HSM token outage (token folder moved)', (stack) => stack.tokenDir);
