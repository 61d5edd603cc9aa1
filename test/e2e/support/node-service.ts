import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitOf, hasExited, pollUntil, readLogTail, spawnLogged, stopChildProcess } from '@fleetsign/devstack';

// A FleetSign service run as its built process entry (`npm run build` output), the way
// an operator runs it: settings from the environment only, output to a log file.

const REPO_ROOT = resolve(__dirname, '../../..');

/** The FleetSign processes with a built entry. */
export type ServiceApp = 'gateway' | 'signer' | 'notifier';

/** Built entry of an app: dist/apps/<app>/apps/<app>/src/main.js. */
export function builtEntry(app: ServiceApp): string {
  const entry = join(REPO_ROOT, 'dist', 'apps', app, 'apps', app, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx nest build ${app}\` (npm test builds first)`);
  return entry;
}

/** Files mapped into process `pid`, from /proc/<pid>/maps (Linux), without duplicates. */
export function mappedFiles(pid: number | 'self'): string[] {
  const paths = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[5])
    .filter((path): path is string => path !== undefined && path.startsWith('/'));
  return [...new Set(paths)];
}

/** A running service process. */
export class NodeService {
  private constructor(
    readonly app: ServiceApp,
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {}

  /** Starts `node <built entry>` of `app` with exactly `env` (plus PATH and HOME); output goes to `<logDir>/<app>-<n>.log`. */
  static async start(app: ServiceApp, env: Record<string, string>, logDir: string, instance = 1): Promise<NodeService> {
    const logPath = join(logDir, `${app}-${instance}.log`);
    const child = await spawnLogged(process.execPath, [builtEntry(app)], {
      logPath,
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    return new NodeService(app, child, logPath);
  }

  /** The process id (the node process itself: the spawn wrapper execs it). */
  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.app} has no pid`);
    return this.child.pid;
  }

  /** The log so far. */
  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Waits (bounded) until a JSON log line has this `msg`; fails at once, with the log's tail, if the process exits. */
  async waitForLogMessage(msg: string, timeoutMs = 15_000): Promise<void> {
    const needle = `"msg":${JSON.stringify(msg)}`;
    const outcome = await pollUntil(
      async () => (this.log().includes(needle) ? 'logged' : hasExited(this.child) ? 'exited' : undefined),
      { timeoutMs, intervalMs: 50, description: `the ${this.app} to log "${msg}"` },
    );
    if (outcome === 'exited') throw new Error(`the ${this.app} exited before logging "${msg}":\n${await readLogTail(this.logPath)}`);
  }

  /** Waits (bounded) until GET `url` answers 200; fails at once, with the log's tail, if the process exits. */
  async waitForHttp(url: string, timeoutMs = 15_000): Promise<void> {
    const outcome = await pollUntil(
      async () => {
        if (hasExited(this.child)) return 'exited';
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.status === 200 ? 'serving' : undefined;
      },
      { timeoutMs, intervalMs: 50, description: `the ${this.app} to answer GET ${url}` },
    );
    if (outcome === 'exited') throw new Error(`the ${this.app} exited before serving:\n${await readLogTail(this.logPath)}`);
  }

  /** Shared objects mapped into the process (from /proc/<pid>/maps), without duplicates. */
  mappedFiles(): string[] {
    return mappedFiles(this.pid);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return exitOf(this.child);
  }

  /** SIGTERM (graceful), SIGKILL after `timeoutMs`; resolves once it exited. */
  async stop(timeoutMs = 10_000): Promise<void> {
    await stopChildProcess(this.child, { timeoutMs });
  }
}
