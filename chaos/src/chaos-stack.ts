import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  DEFAULT_RESTART_POLICY,
  findFreePort,
  type Fleet,
  inheritedServiceEnv,
  type LocalRedis,
  startFleet,
  startLocalRedis,
  writeFileAtomic,
} from '@fleetsign/devstack';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import { createBenchToken, type BenchToken } from '../../bench/src/stack/bench-token';
import { type BenchFleetConfig, writeFleetConfig } from '../../bench/src/stack/fleet-config';
import { progress } from '../../bench/src/core/progress';

/** The fleet under test and the parts the run breaks: its Redis, store folder and token folder. */
export interface ChaosStack {
  fleet: Fleet;
  config: BenchFleetConfig;
  token: BenchToken;
  /** The fs store's root folder (renamed away during the store outage). */
  storeRoot: string;
  /** The SoftHSM2 token folder (moved away during the HSM outage). */
  tokenDir: string;
  /** A client of the same fs store, for staging sources and reading results. */
  store: ObjectStore;
  redisUrl: string;
  redisPrefix: string;
  /** SIGKILLs Redis (no final save), keeps it down for `downMs`, then restarts it on the same port and folder (AOF replay). */
  crashRedis(downMs: number): Promise<void>;
  /** Stops the services, the store client and Redis. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts the stack the chaos run breaks, in `dir`: a private Redis with AOF, a SoftHSM2
 * token, an fs store, and (through the one launcher, supervised so killed processes come
 * back) the gateway, two signers and the notifier, with short retry pauses so recovery
 * is seen within the run.
 */
export async function startChaosStack(root: string, dir: string): Promise<ChaosStack> {
  const redisDir = join(dir, 'redis');
  let redis: LocalRedis = await startLocalRedis({ dir: redisDir });
  progress(`redis-server (AOF) on ${redis.url}`);
  const token = await createBenchToken(join(dir, 'softhsm'));
  const config = await writeFleetConfig(dir, token);
  const storeRoot = join(dir, 'objects');
  const gatewayPort = await findFreePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const signingSecret = randomBytes(32).toString('hex');
  const signingSecretFile = join(dir, 'fs-signing-secret');
  await writeFileAtomic(signingSecretFile, signingSecret, { mode: 0o600 });
  const redisPrefix = `chaos-${randomBytes(3).toString('hex')}`;
  const fleet = await startFleet({
    root,
    logsDir: dir,
    configFile: config.configPath,
    redisUrl: redis.url,
    redisPrefix,
    store: { driver: 'fs', root: storeRoot, signingSecretFile },
    softHsmConf: token.confPath,
    gatewayPort,
    signers: 2,
    webhookAllowPrivateTargets: '127.0.0.1',
    baseEnv: { ...inheritedServiceEnv(process.env), FLEETSIGN_LOG_LEVEL: 'warn' },
    // Retries at most 1 s apart: a part that comes back is used again within a second.
    roleEnv: { signer: { FLEETSIGN_RETRY_MAX_DELAY_MS: '1000' } },
    restart: { ...DEFAULT_RESTART_POLICY, maxDelayMs: 2_000 },
  }).catch(async (err: unknown) => {
    await redis.stop();
    throw err;
  });
  const store = createObjectStore({ driver: 'fs', root: storeRoot, publicBaseUrl: gatewayUrl, signingSecret });
  let stopping: Promise<void> | undefined;
  return {
    fleet,
    config,
    token,
    storeRoot,
    tokenDir: join(dir, 'softhsm', 'tokens'),
    store,
    redisUrl: redis.url,
    redisPrefix,
    async crashRedis(downMs) {
      await redis.kill();
      // The outage's length, not a wait for a condition.
      await new Promise((resolve) => setTimeout(resolve, downMs));
      redis = await startLocalRedis({ dir: redisDir, port: redis.port });
    },
    stop() {
      stopping ??= (async () => {
        await fleet.stop(20_000);
        await store.close();
        await redis.stop();
      })();
      return stopping;
    },
  };
}
