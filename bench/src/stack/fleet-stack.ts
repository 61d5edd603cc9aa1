import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { findFreePort } from '@fleetsign/devstack';
import { createObjectStore, type ObjectStore, type ObjectStoreConfig } from '@fleetsign/storage';
import { progress } from '../core/progress';
import type { BenchContext } from '../core/scenario';
import { startApp, type AppName, type AppProcess } from './app-process';
import { writeFleetConfig } from './fleet-config';
import { redisServerPid } from './redis-pid';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverProcess } from './s3rver-process';

/** Object store drivers a stack can run on. */
export type StoreKind = 'fs' | 's3';

/** Options of startFleetStack. */
export interface FleetStackOptions {
  /** Names the stack's folder and queue prefix. */
  name: string;
  store: StoreKind;
  /** Extra signer settings, e.g. FLEETSIGN_SIGNER_CONCURRENCY. */
  signerEnv?: Record<string, string>;
}

/** Gateway, signer and notifier as child processes on the run's Redis and token, with their own store. */
export interface FleetStack {
  gatewayUrl: string;
  /** Base URL of the signer's /metrics and /healthz. */
  signerMetricsUrl: string;
  apiToken: string;
  /** The stack's object store, for staging sources (the same one the services use). */
  store: ObjectStore;
  gateway: AppProcess;
  signer: AppProcess;
  notifier: AppProcess;
  /** Other processes the stack runs on (redis-server, s3rver), for CPU accounting. */
  servicePids: Partial<Record<'redis' | 's3rver', number>>;
  /** Stops the services (gracefully), the store client and s3rver. */
  stop(): Promise<void>;
}

const S3_BUCKET = 'fleetsign-bench';

function storageEnv(config: ObjectStoreConfig): Record<string, string> {
  if (config.driver === 'fs') {
    return {
      FLEETSIGN_STORAGE_DRIVER: 'fs',
      FLEETSIGN_FS_ROOT: config.root,
      FLEETSIGN_FS_PUBLIC_BASE_URL: config.publicBaseUrl,
      FLEETSIGN_FS_SIGNING_SECRET: config.signingSecret,
    };
  }
  return {
    FLEETSIGN_STORAGE_DRIVER: 's3',
    FLEETSIGN_S3_ENDPOINT: config.endpoint ?? '',
    FLEETSIGN_S3_REGION: config.region,
    FLEETSIGN_S3_BUCKET: config.bucket,
    FLEETSIGN_S3_FORCE_PATH_STYLE: 'true',
    FLEETSIGN_S3_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    FLEETSIGN_S3_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}

async function startAll(launches: Array<() => Promise<AppProcess>>): Promise<AppProcess[]> {
  const settled = await Promise.allSettled(launches.map((launch) => launch()));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (!failed) return settled.map((outcome) => (outcome as PromiseFulfilledResult<AppProcess>).value);
  await Promise.all(
    settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)),
  );
  throw failed.reason;
}

/**
 * Starts a FleetSign stack for one scenario: a configuration file with the benchmark
 * profiles, an fs store or an s3rver, and the built gateway, signer and notifier as
 * child processes on 127.0.0.1 (own queue prefix, logs in the stack folder).
 */
export async function startFleetStack(ctx: BenchContext, options: FleetStackOptions): Promise<FleetStack> {
  const dir = await ctx.dir(`stack-${options.name}`);
  const [redis, token] = await Promise.all([ctx.redis(), ctx.token()]);
  const fleet = await writeFleetConfig(dir, token);
  const [gatewayPort, signerPort, notifierPort] = [
    await findFreePort(),
    await findFreePort(),
    await findFreePort(),
  ];
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

  let s3: S3rverProcess | undefined;
  let storeConfig: ObjectStoreConfig;
  if (options.store === 's3') {
    s3 = await startS3rver(await ctx.dir(`stack-${options.name}/s3`), S3_BUCKET);
    storeConfig = {
      driver: 's3',
      endpoint: s3.endpoint,
      region: s3.region,
      bucket: s3.bucket,
      forcePathStyle: true,
      ...S3RVER_CREDENTIALS,
    };
  } else {
    storeConfig = {
      driver: 'fs',
      root: join(dir, 'objects'),
      publicBaseUrl: gatewayUrl,
      signingSecret: randomBytes(32).toString('hex'),
    };
  }

  const common: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redis.url,
    FLEETSIGN_REDIS_PREFIX: `bench-${options.name}-${randomBytes(3).toString('hex')}`,
    FLEETSIGN_CONFIG: fleet.configPath,
    FLEETSIGN_LOG_LEVEL: 'warn',
    FLEETSIGN_PUBLIC_BASE_URL: gatewayUrl,
    ...storageEnv(storeConfig),
  };
  const launch = (name: AppName, env: Record<string, string>, readyUrl: string) => () =>
    startApp({
      name,
      root: ctx.root,
      env: { ...common, ...env },
      logPath: join(dir, `${name}.log`),
      readyUrl,
    });

  progress(`  starting gateway, signer and notifier (${options.store} store)`);
  let apps: AppProcess[];
  try {
    apps = await startAll([
      launch(
        'gateway',
        { FLEETSIGN_GATEWAY_HOST: '127.0.0.1', FLEETSIGN_GATEWAY_PORT: String(gatewayPort) },
        `${gatewayUrl}/readyz`,
      ),
      launch(
        'signer',
        {
          SOFTHSM2_CONF: token.confPath,
          FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1',
          FLEETSIGN_SIGNER_METRICS_PORT: String(signerPort),
          ...options.signerEnv,
        },
        `http://127.0.0.1:${signerPort}/healthz`,
      ),
      launch(
        'notifier',
        {
          FLEETSIGN_NOTIFIER_METRICS_HOST: '127.0.0.1',
          FLEETSIGN_NOTIFIER_METRICS_PORT: String(notifierPort),
          FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: '127.0.0.1',
        },
        `http://127.0.0.1:${notifierPort}/healthz`,
      ),
    ]);
  } catch (err) {
    await s3?.stop();
    throw err;
  }
  const [gateway, signer, notifier] = apps;
  const store = createObjectStore(storeConfig);
  const redisPid = await redisServerPid(redis.url).catch(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    signerMetricsUrl: `http://127.0.0.1:${signerPort}`,
    apiToken: fleet.apiToken,
    store,
    gateway,
    signer,
    notifier,
    servicePids: { ...(redisPid ? { redis: redisPid } : {}), ...(s3?.pid ? { s3rver: s3.pid } : {}) },
    stop() {
      stopping ??= (async () => {
        await gateway.stop();
        await Promise.all([signer.stop(), notifier.stop()]);
        await store.close();
        await s3?.stop();
      })();
      return stopping;
    },
  };
}
