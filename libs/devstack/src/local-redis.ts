import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exitOf, readLogTail, spawnLogged, stopChildProcess } from './child-process';
import { DevStackError } from './devstack-error';
import { requireExecutable } from './executables';
import { findFreePort } from './free-port';
import { pollUntil } from './poll';
import { redisProcessId } from './redis-ping';

/** Options of startLocalRedis. */
export interface LocalRedisOptions {
  /** Working directory of the server. Created when missing. */
  dir: string;
  /** Where the server's output goes (appended); default `<dir>/redis.log`. */
  logPath?: string;
  /** Port to listen on (127.0.0.1); default a free one, retried when another process takes it first. */
  port?: number;
  /** How long to wait for PING to answer, in milliseconds (default 15000). */
  readyTimeoutMs?: number;
}

/** A redis-server started by startLocalRedis. */
export interface LocalRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Log file of the server. */
  logPath: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and waits until it is gone. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL (a crash: no final save) and waits until it is gone. */
  kill(): Promise<void>;
}

const PORT_ATTEMPTS = 3;
const STOP_TIMEOUT_MS = 10_000;

/**
 * The server's arguments: loopback only, persisted as FleetSign requires (AOF with
 * `appendfsync everysec` in `dir`: a restart loses at most a second of writes, never
 * accepted work), no RDB snapshots (the AOF is the record), and `noeviction` as BullMQ
 * requires (an evicted job key would corrupt a queue).
 */
export function localRedisArgs(port: number, dir: string): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--dir',
    dir,
  ];
}

async function startOn(
  redisServer: string,
  port: number,
  dir: string,
  logPath: string,
  readyTimeoutMs: number,
): Promise<ChildProcess> {
  const child = await spawnLogged(redisServer, localRedisArgs(port, dir), { logPath });
  // A server that exits (port taken, bad option) ends the wait at once.
  const exited = new AbortController();
  void exitOf(child).then(({ code, signal }) =>
    exited.abort(
      new DevStackError(`redis-server exited (${code !== null ? `exit code ${code}` : `signal ${signal}`})`),
    ),
  );
  try {
    await pollUntil(
      // Our server, not another one answering on the same port.
      async () => ((await redisProcessId(port)) === child.pid ? true : undefined),
      {
        timeoutMs: readyTimeoutMs,
        intervalMs: 25,
        description: `redis-server to answer on 127.0.0.1:${port}`,
        signal: exited.signal,
      },
    );
    return child;
  } catch (err) {
    await stopChildProcess(child, { signal: 'SIGKILL' });
    const tail = await readLogTail(logPath, 5);
    throw new DevStackError(
      `${(err as Error).message}${tail ? `; log tail: ${tail.replace(/\n/g, ' | ')}` : ''}`,
    );
  }
}

/**
 * Starts a private redis-server as a child process on 127.0.0.1 (a free port unless
 * one is given) and resolves once it answers as the process started here (bounded wait). DevStackError naming
 * the Debian package redis-server when it is not installed.
 */
export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalRedis> {
  const redisServer = requireExecutable('redis-server', 'redis-server');
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const logPath = options.logPath ?? join(options.dir, 'redis.log');
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    // A free port can be taken by another process before redis binds it: try a fresh one.
    const port = options.port ?? (await findFreePort());
    let child: ChildProcess;
    try {
      child = await startOn(redisServer, port, options.dir, logPath, readyTimeoutMs);
    } catch (err) {
      lastError = err;
      continue;
    }
    let stopping: Promise<void> | undefined;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      logPath,
      stop() {
        stopping ??= stopChildProcess(child, { timeoutMs: STOP_TIMEOUT_MS }).then(() => undefined);
        return stopping;
      },
      kill() {
        stopping ??= stopChildProcess(child, { signal: 'SIGKILL' }).then(() => undefined);
        return stopping;
      },
    };
  }
  throw lastError;
}
