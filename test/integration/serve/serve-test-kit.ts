import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitOf, hasExited, killOnExit, pollUntil } from '@fleetsign/devstack';

// `fleetsign init` and `fleetsign serve` run as the built binary, the way a user runs
// them, in an environment without the test services' settings.

const REPO_ROOT = join(__dirname, '..', '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'fleetsign.js');

/** The caller's environment without FleetSign's own settings, Redis or token (serve brings its own). */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('FLEETSIGN_') || name === 'REDIS_URL' || name === 'SOFTHSM2_CONF') continue;
    env[name] = value;
  }
  return env;
}

/** Exit code and output of one `fleetsign` process. */
export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/fleetsign.js <args>` to the end (bounded). */
export function runBin(args: string[], env: NodeJS.ProcessEnv = userEnv()): Promise<BinRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: REPO_ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** One line of DIR/run/processes.json. */
export interface ListedProcess {
  role: string;
  name: string;
  pid: number;
  port?: number;
  restarts: number;
}

/** A running `fleetsign serve`. */
export class ServeProcess {
  stdout = '';
  stderr = '';

  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
  }

  /** Starts `fleetsign serve --dir DIR` and resolves once it printed its URL (bounded). */
  static async start(dir: string): Promise<ServeProcess> {
    const child = spawn(process.execPath, [BIN, 'serve', '--dir', dir], { env: userEnv(), cwd: REPO_ROOT });
    killOnExit(child);
    const serve = new ServeProcess(child, dir);
    const outcome = await pollUntil(
      async () => (serve.stdout.includes('FleetSign is running at') ? 'running' : hasExited(child) ? 'exited' : undefined),
      { timeoutMs: 120_000, intervalMs: 100, description: 'fleetsign serve to print its URL' },
    );
    if (outcome === 'exited') throw new Error(`fleetsign serve exited: ${serve.stderr}`);
    return serve;
  }

  /** DIR/run/processes.json as it is now. */
  processes(): ListedProcess[] {
    const listing = JSON.parse(readFileSync(join(this.dir, 'run', 'processes.json'), 'utf8')) as { processes: ListedProcess[] };
    return listing.processes;
  }

  /** Sends `signal` and resolves with the exit once the process is gone. */
  async stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill(signal);
    return exitOf(this.child);
  }
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
