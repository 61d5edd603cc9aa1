import { cpus } from 'node:os';
import { cpuJiffies, type CpuJiffies } from '../core/machine-info';
import { nowMs } from '../core/measure';
import type { FleetStack } from '../stack/fleet-stack';
import { readProcessStats } from '../stack/process-stats';

/** CPU time (seconds) of each process of a stack at one moment. */
export interface CpuSnapshot {
  at: number;
  seconds: Record<string, number>;
  /** Jiffies of the whole machine (/proc/stat), to tell the stack's CPU use from everyone else's. */
  machine?: CpuJiffies;
}

/** Reads the CPU time used so far by the stack's services, Redis, s3rver and the benchmark process itself. */
export async function cpuSnapshot(stack: FleetStack): Promise<CpuSnapshot> {
  const pids: Record<string, number> = {
    gateway: stack.gateway.pid,
    notifier: stack.notifier.pid,
    ...stack.servicePids,
  };
  stack.signers.forEach(
    (signer, index) => (pids[index === 0 ? 'signer' : `signer-${index + 1}`] = signer.pid),
  );
  const seconds: Record<string, number> = {};
  await Promise.all(
    Object.entries(pids).map(async ([name, pid]) => {
      seconds[name] = (await readProcessStats(pid)).cpuSeconds;
    }),
  );
  const own = process.cpuUsage();
  seconds.bench = (own.user + own.system) / 1e6;
  const machine = await cpuJiffies().catch(() => undefined);
  return { at: nowMs(), seconds, ...(machine ? { machine } : {}) };
}

/**
 * Average cores each process used between two snapshots (1.0 = one core busy the whole
 * time), their `total`, and when /proc/stat was readable `others` (cores busy with work
 * outside the stack: other programs skew the figures) and `iowait` (cores idle while a
 * task waited for the disk).
 */
export function coresUsed(from: CpuSnapshot, to: CpuSnapshot): Record<string, number> {
  const wall = (to.at - from.at) / 1000;
  const cores: Record<string, number> = {};
  let total = 0;
  for (const name of Object.keys(from.seconds)) {
    const used = (to.seconds[name] - from.seconds[name]) / wall;
    total += used;
    cores[name] = Math.round(used * 100) / 100;
  }
  cores.total = Math.round(total * 100) / 100;
  if (from.machine && to.machine && to.machine.total > from.machine.total) {
    const busy = 1 - (to.machine.idle - from.machine.idle) / (to.machine.total - from.machine.total);
    const jiffies = to.machine.total - from.machine.total;
    cores.others = Math.max(0, Math.round((busy * cpus().length - total) * 100) / 100);
    // Cores idle while some task waited for the disk (fs store writes, Redis, logs).
    cores.iowait =
      Math.round(((to.machine.iowait - from.machine.iowait) / jiffies) * cpus().length * 100) / 100;
  }
  return cores;
}

/** CPU milliseconds each process spent per image between two snapshots. */
export function cpuMsPerImage(from: CpuSnapshot, to: CpuSnapshot, images: number): Record<string, number> {
  const perImage: Record<string, number> = {};
  let total = 0;
  for (const name of Object.keys(from.seconds)) {
    const ms = ((to.seconds[name] - from.seconds[name]) * 1000) / images;
    total += ms;
    perImage[name] = Math.round(ms * 100) / 100;
  }
  perImage.total = Math.round(total * 100) / 100;
  return perImage;
}

/** Sums and counts of the signers' step histogram and how many images their keys signed. */
export interface SignerCounters {
  /** Seconds spent per pipeline step, over every signer. */
  stepSeconds: Record<string, number>;
  /** Observations per pipeline step. */
  stepCounts: Record<string, number>;
  /** Images signed with the profile keys (HSM operations per image), over every signer. */
  signings: number;
  /** Signers whose /metrics could not be read. */
  unreadable: number;
}

// Labels in any order (the registry adds `service` to every series).
const STEP_SERIES = /^fleetsign_signer_step_duration_seconds_(sum|count)\{(?:[^}]*,)?step="([^"]+)"[^}]*\} (\S+)$/gm;
const SIGNINGS_SERIES = /^fleetsign_signer_sign_duration_seconds_count\{[^}]*\} (\S+)$/gm;

/**
 * Reads every signer's /metrics: the fleetsign_signer_step_duration_seconds histogram
 * (time per pipeline step) and the count of fleetsign_signer_sign_duration_seconds
 * (images signed by the keys), summed over the signers.
 */
export async function readSignerCounters(stack: FleetStack): Promise<SignerCounters> {
  const counters: SignerCounters = { stepSeconds: {}, stepCounts: {}, signings: 0, unreadable: 0 };
  await Promise.all(
    stack.signerMetricsUrls.map(async (url) => {
      let text: string;
      try {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        text = await response.text();
      } catch {
        counters.unreadable++;
        return;
      }
      for (const match of text.matchAll(STEP_SERIES)) {
        const into = match[1] === 'sum' ? counters.stepSeconds : counters.stepCounts;
        into[match[2]] = (into[match[2]] ?? 0) + Number(match[3]);
      }
      for (const match of text.matchAll(SIGNINGS_SERIES)) counters.signings += Number(match[1]);
    }),
  );
  return counters;
}

/** Mean milliseconds per observation of each step, between two readings. */
export function stepMeansMs(from: SignerCounters, to: SignerCounters): Record<string, number> {
  const means: Record<string, number> = {};
  for (const [step, seconds] of Object.entries(to.stepSeconds)) {
    const count = (to.stepCounts[step] ?? 0) - (from.stepCounts[step] ?? 0);
    if (count > 0) means[step] = Math.round(((seconds - (from.stepSeconds[step] ?? 0)) / count) * 1e6) / 1e3;
  }
  return means;
}

/** Milliseconds per image spent in each step between two readings (step time summed over jobs / images). */
export function stepMsPerImage(
  from: SignerCounters,
  to: SignerCounters,
  images: number,
): Record<string, number> {
  const perImage: Record<string, number> = {};
  for (const [step, seconds] of Object.entries(to.stepSeconds)) {
    perImage[step] = Math.round(((seconds - (from.stepSeconds[step] ?? 0)) / images) * 1e6) / 1e3;
  }
  return perImage;
}
