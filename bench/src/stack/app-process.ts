import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, pollUntil, readLogTail, spawnLogged, stopChildProcess } from '@fleetsign/devstack';
import { readProcessStats, type ProcessStats } from './process-stats';

/** The FleetSign services a benchmark stack runs. */
export type AppName = 'gateway' | 'signer' | 'notifier';

/** A FleetSign service running as a child process of the benchmark. */
export interface AppProcess {
  name: AppName;
  pid: number;
  logPath: string;
  /** Memory and CPU time so far. */
  stats(): Promise<ProcessStats>;
  /** SIGTERM (graceful), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

/** How to start one service. */
export interface AppLaunch {
  name: AppName;
  root: string;
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** URL answering 200 once the service is ready (gateway /readyz, signer and notifier /healthz). */
  readyUrl: string;
  /** Node.js options before the entry point, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

const READY_TIMEOUT_MS = 60_000;

/** Path of a service's built entry point (`npm run build` makes it). */
export function appEntry(root: string, name: AppName): string {
  return join(root, 'dist', 'apps', name, 'apps', name, 'src', 'main.js');
}

async function waitReady(child: ChildProcess, launch: AppLaunch): Promise<void> {
  await pollUntil(
    async () => {
      if (hasExited(child))
        throw new Error(`${launch.name} exited (code ${child.exitCode ?? child.signalCode})`);
      const response = await fetch(launch.readyUrl, { signal: AbortSignal.timeout(2_000) });
      return response.status === 200 ? true : undefined;
    },
    { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, description: `${launch.name} at ${launch.readyUrl}` },
  );
}

/** Starts a built FleetSign service with `env` and resolves once its readiness URL answers 200. */
export async function startApp(launch: AppLaunch): Promise<AppProcess> {
  const entry = appEntry(launch.root, launch.name);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  const child = await spawnLogged(process.execPath, [...(launch.nodeArgs ?? []), entry], {
    logPath: launch.logPath,
    env: launch.env,
    cwd: launch.root,
  });
  try {
    await waitReady(child, launch);
  } catch (err) {
    await stopChildProcess(child, { signal: 'SIGKILL' });
    const tail = await readLogTail(launch.logPath, 8);
    throw new Error(`${(err as Error).message}${tail ? `\n${launch.name} log tail:\n${tail}` : ''}`);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${launch.name} has no pid`);
  return {
    name: launch.name,
    pid,
    logPath: launch.logPath,
    stats: () => readProcessStats(pid),
    stop: () => stopChildProcess(child, { timeoutMs: 20_000 }).then(() => undefined),
  };
}
