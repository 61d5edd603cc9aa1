import { nowMs } from '../core/measure';
import type { FleetStack } from '../stack/fleet-stack';
import { readProcessStats } from '../stack/process-stats';

/** CPU time (seconds) of each process of a stack at one moment. */
export interface CpuSnapshot {
  at: number;
  seconds: Record<string, number>;
}

/** Reads the CPU time used so far by the stack's services, Redis, s3rver and the benchmark process itself. */
export async function cpuSnapshot(stack: FleetStack): Promise<CpuSnapshot> {
  const pids: Record<string, number> = {
    gateway: stack.gateway.pid,
    signer: stack.signer.pid,
    notifier: stack.notifier.pid,
    ...stack.servicePids,
  };
  const seconds: Record<string, number> = {};
  await Promise.all(
    Object.entries(pids).map(async ([name, pid]) => {
      seconds[name] = (await readProcessStats(pid)).cpuSeconds;
    }),
  );
  const own = process.cpuUsage();
  seconds.bench = (own.user + own.system) / 1e6;
  return { at: nowMs(), seconds };
}

/** Average cores each process used between two snapshots (1.0 = one core busy the whole time). */
export function coresUsed(from: CpuSnapshot, to: CpuSnapshot): Record<string, number> {
  const wall = (to.at - from.at) / 1000;
  const cores: Record<string, number> = {};
  for (const name of Object.keys(from.seconds)) {
    cores[name] = Math.round(((to.seconds[name] - from.seconds[name]) / wall) * 100) / 100;
  }
  return cores;
}

/**
 * Mean time per signer pipeline step (ms), from the signer's
 * fleetsign_signer_step_duration_seconds histogram; empty when /metrics cannot be read.
 */
export async function signerStepMeans(stack: FleetStack): Promise<Record<string, number>> {
  let text: string;
  try {
    const response = await fetch(`${stack.signerMetricsUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    text = await response.text();
  } catch {
    return {};
  }
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(
    /^fleetsign_signer_step_duration_seconds_(sum|count)\{step="([^"]+)"\} (\S+)$/gm,
  )) {
    (match[1] === 'sum' ? sums : counts).set(match[2], Number(match[3]));
  }
  const means: Record<string, number> = {};
  for (const [step, sum] of sums) {
    const count = counts.get(step);
    if (count) means[step] = Math.round((sum / count) * 1e6) / 1e3;
  }
  return means;
}
