import type { ChildProcess } from 'node:child_process';
// A relative path, not the alias: Jest's moduleNameMapper does not apply to the global setup, which loads this file.
import {
  findFreePort,
  findOnPath,
  type LocalRedis,
  pingRedis,
  pollUntil,
  redisProcessId,
  startLocalRedis,
  stopChildProcess as stopChild,
} from '../../libs/devstack/src';
import { dockerEngineAnswers } from './docker-probe';

/** Redis image used when only a Docker engine is available. */
export const REDIS_IMAGE = 'redis:7';

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

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

/** A loopback TCP port nobody listens on right now. Kept for older specs: new code uses findFreePort of @fleetsign/devstack. */
export function freeLoopbackPort(): Promise<number> {
  return findFreePort();
}

/**
 * Sends `signal`, waits up to `timeoutMs` for exit, then SIGKILLs and waits again. Kept
 * for older specs: new code uses stopChildProcess of @fleetsign/devstack.
 */
export async function stopChildProcess(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs = STOP_TIMEOUT_MS,
): Promise<void> {
  await stopChild(child, { signal, timeoutMs });
}

/** Polls PING (bounded) until Redis on `port` answers. */
async function waitForPong(port: number): Promise<void> {
  await pollUntil(async () => ((await pingRedis(port)) ? true : undefined), {
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 25,
    description: `Redis to answer PING on port ${port}`,
  });
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

/** True while process `pid` exists (a zombie not yet reaped counts). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid of the redis-server startLocalRedis just started (it checked that the server
 * answering on the port reports this pid). LocalRedis has no kill() of its own, so
 * the harness SIGKILLs this pid to simulate a crash.
 */
async function serverPid(redis: LocalRedis): Promise<number> {
  const pid = await redisProcessId(redis.port);
  if (pid === undefined) throw new Error(`redis-server on port ${redis.port} did not report its pid`);
  return pid;
}

/** SIGKILLs the server with `pid` (if it still runs) and waits until the process is gone. */
async function killServer(pid: number): Promise<void> {
  if (!isRunning(pid)) return;
  process.kill(pid, 'SIGKILL');
  await pollUntil(async () => (isRunning(pid) ? undefined : true), {
    timeoutMs: STOP_TIMEOUT_MS,
    intervalMs: 10,
    description: `redis-server (pid ${pid}) to exit after SIGKILL`,
  });
}

async function processRedis(dir: string): Promise<RedisHandle> {
  let server = await startLocalRedis({ dir, readyTimeoutMs: READY_TIMEOUT_MS });
  let pid = await serverPid(server);
  const { port, url } = server;
  return {
    kind: 'process',
    url,
    port,
    stop: () => server.stop(),
    kill: () => killServer(pid),
    restart: async () => {
      await server.stop();
      try {
        server = await startLocalRedis({ dir, port, readyTimeoutMs: READY_TIMEOUT_MS });
      } catch (err) {
        throw new Error(`redis-server did not restart on port ${port}: ${(err as Error).message}`);
      }
      pid = await serverPid(server);
    },
  };
}

async function containerRedis(): Promise<RedisHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // A fixed host port keeps the URL valid across kill/restart.
  const port = await findFreePort();
  const container = await new GenericContainer(REDIS_IMAGE)
    .withExposedPorts({ container: 6379, host: port })
    .withCommand(['redis-server', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction'])
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
      await waitForPong(port);
    },
  };
}

/**
 * A Redis for the integration tests: REDIS_URL when set; else a private `redis-server`
 * (startLocalRedis of @fleetsign/devstack: free loopback port, data in `dir`); else
 * `redis:7` through testcontainers when a Docker engine answers.
 */
export async function startRedis({ dir }: { dir: string }): Promise<RedisHandle> {
  if (process.env.REDIS_URL) return externalRedis(process.env.REDIS_URL);
  if (findOnPath('redis-server')) return processRedis(dir);
  if (await dockerEngineAnswers()) return containerRedis();
  throw new Error(
    'No Redis for the integration tests: install the Debian package redis-server ' +
      '(apt-get install -y redis-server), set REDIS_URL, or start a Docker engine.',
  );
}
