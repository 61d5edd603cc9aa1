import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { dockerEngineAnswers } from './docker-probe';

/** Redis image used when only a Docker engine is available. */
export const REDIS_IMAGE = 'redis:7';

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;
const PORT_ATTEMPTS = 3;

/** A Redis the integration tests can use, and break on purpose. */
export interface RedisHandle {
  /** Where it came from: `external` (REDIS_URL; shared, so isolate tests by queue prefix), a local `process`, or a `container`. */
  kind: 'external' | 'process' | 'container';
  url: string;
  port: number;
  /** Stops it and waits until it is gone (no-op for `external`). */
  stop(): Promise<void>;
  /** Kills it abruptly (SIGKILL), to simulate a crash. Refused for `external`. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill` or while running); its data is gone. Refused for `external`. */
  restart(): Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Makes sure no child started by the harness outlives this process, however it ends normally. */
export function killOnParentExit(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const live of liveChildren) live.kill('SIGKILL');
  });
}

/** A loopback TCP port nobody listens on right now (the OS picks it). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** True once the child has exited. */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal`, waits up to `timeoutMs` for exit, then SIGKILLs and waits again. */
export async function stopChildProcess(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs = STOP_TIMEOUT_MS,
): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Last lines of a log file, for error messages. */
export function logTail(path: string, maxChars = 2_000): string {
  try {
    return readFileSync(path, 'utf8').slice(-maxChars).trim();
  } catch {
    return '';
  }
}

/** One PING over a raw socket: true when Redis answers +PONG. */
async function pingRedis(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Polls PING until it answers, the child dies, or the deadline passes. */
async function waitForPong(port: number, child?: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child && hasExited(child)) return false;
    if (await pingRedis(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return false;
}

function externalRedis(url: string): RedisHandle {
  const parsed = new URL(url);
  const refuse = async (): Promise<void> => {
    throw new Error('REDIS_URL points at a shared Redis: the harness cannot kill or restart it');
  };
  return {
    kind: 'external',
    url,
    port: Number(parsed.port || 6379),
    stop: async () => undefined,
    kill: refuse,
    restart: refuse,
  };
}

type SpawnResult = { child: ChildProcess } | { failed: string };

/** Absolute path of an executable on PATH, or undefined. */
function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The command that runs redis-server. Through util-linux `setpriv --pdeathsig KILL`
 * when available, so the kernel kills Redis even if the test runner is SIGKILLed
 * (the exit hook only covers orderly exits).
 */
function redisCommand(redisServer: string, args: string[]): [string, string[]] {
  const setpriv = findOnPath('setpriv');
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', redisServer, ...args]] : [redisServer, args];
}

async function spawnRedis(redisServer: string, port: number, dir: string): Promise<SpawnResult> {
  const logPath = join(dir, 'redis.log');
  const log = openSync(logPath, 'a');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--dir', dir, '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--protected-mode', 'yes');
  const [command, commandArgs] = redisCommand(redisServer, args);
  const child = spawn(command, commandArgs, { stdio: ['ignore', log, log] });
  closeSync(log);
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return { failed: `could not run ${command}` };
  killOnParentExit(child);
  child.unref();
  if (await waitForPong(port, child)) return { child };
  await stopChildProcess(child, 'SIGKILL');
  return { failed: logTail(logPath) };
}

async function processRedis(dir: string): Promise<RedisHandle | undefined> {
  const redisServer = findOnPath('redis-server');
  if (!redisServer) return undefined;
  mkdirSync(dir, { recursive: true });
  let lastFailure = '';
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    // Another process may grab the free port before redis binds it: try a fresh one.
    const port = await freeLoopbackPort();
    const first = await spawnRedis(redisServer, port, dir);
    if ('failed' in first) {
      lastFailure = first.failed;
      continue;
    }
    let child = first.child;
    const handle: RedisHandle = {
      kind: 'process',
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: () => stopChildProcess(child, 'SIGTERM'),
      kill: () => stopChildProcess(child, 'SIGKILL'),
      restart: async () => {
        await stopChildProcess(child, 'SIGTERM');
        const again = await spawnRedis(redisServer, port, dir);
        if ('failed' in again)
          throw new Error(`redis-server did not restart on port ${port}: ${again.failed}`);
        child = again.child;
      },
    };
    return handle;
  }
  throw new Error(
    `redis-server did not answer PING after ${PORT_ATTEMPTS} attempts. Log tail:\n${lastFailure}`,
  );
}

async function containerRedis(): Promise<RedisHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // A fixed host port keeps the URL valid across kill/restart.
  const port = await freeLoopbackPort();
  const container = await new GenericContainer(REDIS_IMAGE)
    .withExposedPorts({ container: 6379, host: port })
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'])
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  const host = container.getHost();
  return {
    kind: 'container',
    url: `redis://${host}:${port}`,
    port,
    stop: async () => {
      await container.stop();
    },
    kill: async () => {
      await container.stop({ timeout: 0, remove: false });
    },
    restart: async () => {
      await container.restart();
      if (!(await waitForPong(port)))
        throw new Error(`Redis container did not answer PING on port ${port} after restart`);
    },
  };
}

/**
 * A Redis for the integration tests: REDIS_URL when set; else a private `redis-server`
 * on a free loopback port with data in `dir`; else `redis:7` through testcontainers
 * when a Docker engine answers.
 */
export async function startRedis({ dir }: { dir: string }): Promise<RedisHandle> {
  if (process.env.REDIS_URL) return externalRedis(process.env.REDIS_URL);
  const local = await processRedis(dir);
  if (local) return local;
  if (await dockerEngineAnswers()) return containerRedis();
  throw new Error(
    'No Redis for the integration tests: install the Debian package redis-server ' +
      '(apt-get install -y redis-server), set REDIS_URL, or start a Docker engine.',
  );
}
