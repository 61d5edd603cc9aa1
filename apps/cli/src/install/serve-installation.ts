import { loadFleetSignConfig } from '@fleetsign/config';
import {
  DEFAULT_RESTART_POLICY,
  type Fleet,
  findRepoRoot,
  inheritedServiceEnv,
  lockDataDir,
  provideRedis,
  startFleet,
  writeFileAtomic,
} from '@fleetsign/devstack';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import type { CommandContext } from '../command-context';
import { type InstallLayout, installLayout } from './install-layout';
import { installRecordJson, readInstallRecord } from './install-record';

/** Options of `fleetsign serve`. */
export interface ServeOptions {
  dir?: string;
  /** Gateway port; recorded in install.json and client.env when it changes. */
  port?: number;
}

/** How long each service gets to finish in-flight work on SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 30_000;

/** DIR/run/processes.json: the supervisor and role, pid and port of each child, rewritten on every restart. */
async function writeProcesses(layout: InstallLayout, fleet: Fleet, redis: string): Promise<void> {
  const listing = { supervisor: { pid: process.pid }, url: fleet.gatewayUrl, redis, processes: fleet.describe() };
  await writeFileAtomic(layout.processesFile, `${JSON.stringify(listing, null, 2)}\n`, { mode: 0o600 });
}

/** Points install.json and client.env at a new port (the API key in client.env stays). */
async function recordPort(layout: InstallLayout, port: number): Promise<void> {
  const record = readInstallRecord(layout);
  if (record.port === port) return;
  await writeFileAtomic(layout.installFile, installRecordJson({ ...record, port }), { mode: 0o600 });
  const client = parseEnv(readFileSync(layout.clientEnvFile, 'utf8'));
  const lines = { ...client, FLEETSIGN_URL: `http://127.0.0.1:${port}` };
  const text = Object.entries(lines)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
  await writeFileAtomic(layout.clientEnvFile, `${text}\n`, { mode: 0o600 });
}

/** A snapshot of a local Redis at a clean stop (dump.rdb in its folder), beside its append-only file. */
async function snapshotRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  try {
    await redis.connect();
    await redis.call('SAVE');
  } finally {
    redis.disconnect();
  }
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * `fleetsign serve`: the installation's service in the foreground. Redis with its data in
 * DIR/redis (or REDIS_URL), the fs store in DIR/objects, and the gateway, signer and
 * notifier as supervised child processes (restarted with backoff). Runs until `stop`
 * aborts (Ctrl-C, SIGTERM), then stops the services, then Redis, and removes
 * DIR/run/processes.json.
 */
export async function serveInstallation(options: ServeOptions, context: CommandContext, stop: AbortSignal): Promise<void> {
  const layout = installLayout(options.dir);
  if (options.port !== undefined) await recordPort(layout, options.port);
  const record = readInstallRecord(layout);
  const profiles = loadFleetSignConfig(layout.configFile, {}).profiles.map((profile) => profile.name);
  const root = findRepoRoot(__dirname);
  await mkdir(layout.logsDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.runDir, { recursive: true, mode: 0o700 });
  const unlock = await lockDataDir(join(layout.runDir, 'serve.lock'), 'fleetsign serve');
  let fleet: Fleet | undefined;
  const redis = await provideRedis({ dir: layout.redisDir, logPath: join(layout.logsDir, 'redis.log') }, context.env).catch(
    async (err: unknown) => {
      await unlock();
      throw err;
    },
  );
  try {
    fleet = await startFleet({
      root,
      logsDir: layout.logsDir,
      configFile: layout.configFile,
      redisUrl: redis.url,
      store: { driver: 'fs', root: layout.objectsDir, signingSecretFile: layout.fsSigningSecretFile },
      softHsmConf: record.softHsmConf,
      gatewayPort: record.port,
      baseEnv: inheritedServiceEnv(context.env),
      restart: DEFAULT_RESTART_POLICY,
      onRestart: (service) => {
        context.io.stderr(`fleetsign serve: the ${service.name} died and was restarted (pid ${service.pid})\n`);
        if (fleet) {
          writeProcesses(layout, fleet, redis.description).catch((err: unknown) =>
            context.io.stderr(`fleetsign serve: cannot update ${layout.processesFile}: ${(err as Error).message}\n`),
          );
        }
      },
      signal: stop,
    });
    await writeProcesses(layout, fleet, redis.description);
    const pids = fleet.describe().map((entry) => `${entry.name} ${entry.pid}`);
    context.print(`FleetSign is running at ${fleet.gatewayUrl} (installation ${layout.dir})`);
    context.print(`  redis: ${redis.description}; processes: ${pids.join(', ')} (${layout.processesFile})`);
    context.print(`  logs: ${layout.logsDir}`);
    context.print(`  point the CLI at it with --env-file ${layout.clientEnvFile}, e.g.`);
    context.print(
      `    fleetsign submit firmware.bin --profile ${profiles[0]} --wait --out signed.bin --env-file ${layout.clientEnvFile}`,
    );
    context.print(`  profiles: ${profiles.join(', ')}; Ctrl-C stops the service`);
    await Promise.race([aborted(stop), fleet.failure]);
  } finally {
    await fleet?.stop(STOP_TIMEOUT_MS);
    if (!redis.external) await snapshotRedis(redis.url).catch(() => undefined);
    await redis.stop();
    await rm(layout.processesFile, { force: true });
    await unlock();
  }
}
