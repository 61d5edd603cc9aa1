import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

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
    const manifest = readFileSync(join(repoRoot(), 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(manifest) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The 1-minute load average. */
export function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

/** Collects CPU, memory, load, OS and the versions of Node, Redis, SoftHSM2, pkcs11js and BullMQ. */
export async function collectMachineInfo(loadAverageAtStart: number): Promise<MachineInfo> {
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
    loadAverageAtStart,
    loadAverageAtEnd: loadAverage(),
    date: new Date().toISOString(),
  };
}
