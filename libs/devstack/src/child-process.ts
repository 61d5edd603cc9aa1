import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DevStackError } from './devstack-error';
import { findOnPath } from './executables';

/** How long stopChildProcess waits after the polite signal before it SIGKILLs. */
export const DEFAULT_STOP_TIMEOUT_MS = 15_000;

/** Options of spawnLogged. */
export interface SpawnLoggedOptions {
  /** File that receives the child's stdout and stderr (appended). */
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Ask the kernel to SIGKILL the child when this process dies, even by SIGKILL
   * (util-linux `setpriv --pdeathsig`, when installed). Default true.
   */
  killWithParent?: boolean;
}

/**
 * Starts `command` with its output appended to `logPath` and resolves once the OS has
 * started it (DevStackError when it cannot be run). The child also gets SIGKILL
 * when this process exits normally with the child still running.
 */
export async function spawnLogged(
  command: string,
  args: readonly string[],
  options: SpawnLoggedOptions,
): Promise<ChildProcess> {
  const setpriv = options.killWithParent === false ? undefined : findOnPath('setpriv');
  const [file, fileArgs] = setpriv
    ? [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
  const log = openSync(options.logPath, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(file, fileArgs, { stdio: ['ignore', log, log], env: options.env, cwd: options.cwd });
  } finally {
    closeSync(log);
  }
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new DevStackError(`cannot run ${command}: ${err.message}`)));
  });
  killOnExit(child);
  return child;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** SIGKILLs `child` if this process exits while it still runs (the last line of defence against strays). */
export function killOnExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const live of liveChildren) live.kill('SIGKILL');
  });
}

/** True once the child has exited. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves with the exit code (or signal) once the child has exited; at once if it already has. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (hasExited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Sends `signal` (default SIGTERM), waits up to `timeoutMs` for the child to exit, then
 * SIGKILLs it and waits for that. Resolves true when it stopped on the polite signal.
 */
export async function stopChildProcess(
  child: ChildProcess,
  options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<boolean> {
  if (hasExited(child)) return true;
  const exited = exitOf(child);
  child.kill(options.signal ?? 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') return true;
  child.kill('SIGKILL');
  await exited;
  return false;
}

/** The last `maxLines` lines of a log file (at most its last 64 KiB); '' when it cannot be read. */
export async function readLogTail(path: string, maxLines = 20): Promise<string> {
  const maxBytes = 64 * 1024;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      if (size > length) lines.shift(); // first line is probably cut
      while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
      return lines.slice(-maxLines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
