import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtServiceEntry, type FleetRole, hasExited, pollUntil, readLogTail, ServiceProcess } from '@fleetsign/devstack';

// A FleetSign service run as its built process entry (`npm run build` output) through
// the launcher's ServiceProcess, the way `fleetsign serve` runs it: settings from the
// environment only, output to a log file.

const REPO_ROOT = resolve(__dirname, '../../..');

/** Built entry of an app: dist/apps/<app>/apps/<app>/src/main.js. */
export function builtEntry(role: FleetRole): string {
  return builtServiceEntry(REPO_ROOT, role);
}

/**
 * Starts `node <built entry>` of `role` with exactly `env` (plus PATH and HOME); output
 * goes to `<logDir>/<role>-<instance>.log`. `readyUrl` is what waitReady() polls.
 */
export function startService(
  role: FleetRole,
  env: Record<string, string>,
  logDir: string,
  options: { instance?: number; readyUrl?: string } = {},
): Promise<ServiceProcess> {
  const name = `${role}-${options.instance ?? 1}`;
  return ServiceProcess.start({
    role,
    name,
    entry: builtEntry(role),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    logPath: join(logDir, `${name}.log`),
    cwd: REPO_ROOT,
    readyUrl: options.readyUrl,
  });
}

/** Files mapped into process `pid`, from /proc/<pid>/maps (Linux), without duplicates. */
export function mappedFiles(pid: number | 'self'): string[] {
  const paths = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[5])
    .filter((path): path is string => path !== undefined && path.startsWith('/'));
  return [...new Set(paths)];
}

function logOf(service: ServiceProcess): string {
  try {
    return readFileSync(service.spec.logPath, 'utf8');
  } catch {
    return '';
  }
}

/** Waits (bounded) until a JSON log line of `service` has this `msg`; fails at once, with the log's tail, if the process exits. */
export async function waitForLogMessage(service: ServiceProcess, msg: string, timeoutMs = 15_000): Promise<void> {
  const needle = `"msg":${JSON.stringify(msg)}`;
  const outcome = await pollUntil(
    async () => (logOf(service).includes(needle) ? 'logged' : hasExited(service.process) ? 'exited' : undefined),
    { timeoutMs, intervalMs: 50, description: `the ${service.name} to log "${msg}"` },
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}; log tail:\n${await readLogTail(service.spec.logPath)}`);
  });
  if (outcome === 'exited') {
    throw new Error(`the ${service.name} exited before logging "${msg}":\n${await readLogTail(service.spec.logPath)}`);
  }
}
