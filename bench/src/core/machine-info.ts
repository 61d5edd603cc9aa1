import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@fleetsign/devstack';

/** The machine and software versions a benchmark run measured. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  platform: string;
  kernel: string;
  node: string;
  redis?: string;
  softhsm?: string;
  pkcs11js?: string;
  bullmq?: string;
  /** 1-minute load average when the run started and when it ended: others' work skews every figure. */
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  loadAveragesAtStart: number[];
  loadAveragesAtEnd: number[];
  /** Share of CPU time idle over one second before the run (/proc/stat): below ~0.9, others were busy. */
  cpuIdleShareAtStart?: number;
  date: string;
}

/** First line of a tool's `--version` output, or undefined when it cannot run. */
function toolOutput(file: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve(err ? undefined : `${stdout}${stderr}`.trim().split('\n')[0]);
    });
  });
}

/** The `version` of a package installed in the checkout's node_modules, or undefined. */
function packageVersion(name: string): string | undefined {
  try {
    const manifest = readFileSync(join(findRepoRoot(__dirname), 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(manifest) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return loadAverages()[0];
}

/** The 1-, 5- and 15-minute load averages. */
export function loadAverages(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

/** Jiffies of all CPUs so far: idle (with iowait), iowait alone and total. */
export interface CpuJiffies {
  idle: number;
  iowait: number;
  total: number;
}

/** Idle and total jiffies of all CPUs so far (the `cpu` line of /proc/stat; idle includes iowait). */
export async function cpuJiffies(): Promise<CpuJiffies> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  return {
    idle: values[3] + (values[4] ?? 0),
    iowait: values[4] ?? 0,
    total: values.reduce((sum, value) => sum + value, 0),
  };
}

/** Share of CPU time busy between two readings of cpuJiffies (0..1). */
export function busyShare(
  from: { idle: number; total: number },
  to: { idle: number; total: number },
): number {
  const total = to.total - from.total;
  return total > 0 ? Math.round((1 - (to.idle - from.idle) / total) * 100) / 100 : 0;
}

/** Share of CPU time idle over `ms` milliseconds (Linux); undefined where /proc/stat is missing. */
export async function cpuIdleShare(ms = 1_000): Promise<number | undefined> {
  try {
    const before = await cpuJiffies();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const after = await cpuJiffies();
    const total = after.total - before.total;
    return total > 0 ? Math.round(((after.idle - before.idle) / total) * 100) / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Collects CPU, memory, load, OS and the versions of Node, Redis, SoftHSM2, pkcs11js and BullMQ. */
export async function collectMachineInfo(
  loadAveragesAtStart: number[],
  cpuIdleShareAtStart?: number,
): Promise<MachineInfo> {
  const [redisLine, softhsmLine] = await Promise.all([
    toolOutput('redis-server', ['--version']),
    toolOutput('softhsm2-util', ['--version']),
  ]);
  const processors = cpus();
  return {
    cpus: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    node: process.version,
    redis: /v=(\S+)/.exec(redisLine ?? '')?.[1] ?? redisLine,
    softhsm: softhsmLine,
    pkcs11js: packageVersion('pkcs11js'),
    bullmq: packageVersion('bullmq'),
    loadAverageAtStart: loadAveragesAtStart[0],
    loadAverageAtEnd: loadAverage(),
    loadAveragesAtStart,
    loadAveragesAtEnd: loadAverages(),
    ...(cpuIdleShareAtStart !== undefined ? { cpuIdleShareAtStart } : {}),
    date: new Date().toISOString(),
  };
}
