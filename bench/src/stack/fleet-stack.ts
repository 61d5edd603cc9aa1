import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { findFreePort } from '@fleetsign/devstack';
import { queuePrefix } from '@fleetsign/queue';
import { createObjectStore, type ObjectStore, type ObjectStoreConfig } from '@fleetsign/storage';
import { progress } from '../core/progress';
import type { BenchContext } from '../core/scenario';
import { startApp, type AppName, type AppProcess } from './app-process';
import { listCpuProfiles, summariseCpuProfiles } from './cpu-profile-summary';
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
  /** Signer processes to run on the same queue (default 1). */
  signers?: number;
}

/** Gateway, signer and notifier as child processes on the run's Redis and token, with their own store. */
export interface FleetStack {
  gatewayUrl: string;
  /** Base URL of the (first) signer's /metrics and /healthz. */
  signerMetricsUrl: string;
  /** Base URL of every signer's /metrics and /healthz, in the order of `signers`. */
  signerMetricsUrls: string[];
  apiToken: string;
  /** Tenant `bench`'s webhook secret, for verifying deliveries. */
  webhookSecret: string;
  /** The run's Redis and the stack's queue prefix (as the services use it), for reading jobs. */
  redisUrl: string;
  redisPrefix: string;
  /** The stack's object store, for staging sources (the same one the services use). */
  store: ObjectStore;
  gateway: AppProcess;
  /** The first signer. */
  signer: AppProcess;
  signers: AppProcess[];
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
  const signerCount = options.signers ?? 1;
  const gatewayPort = await findFreePort();
  const notifierPort = await findFreePort();
  const signerPorts: number[] = [];
  for (let i = 0; i < signerCount; i++) signerPorts.push(await findFreePort());
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

  const redisPrefix = `bench-${options.name}-${randomBytes(3).toString('hex')}`;
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redis.url,
    FLEETSIGN_REDIS_PREFIX: redisPrefix,
    FLEETSIGN_CONFIG: fleet.configPath,
    FLEETSIGN_LOG_LEVEL: 'warn',
    FLEETSIGN_PUBLIC_BASE_URL: gatewayUrl,
    ...storageEnv(storeConfig),
  };
  const profileDir = ctx.signerProfileDir && join(ctx.signerProfileDir, options.name);
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const earlierProfiles = profileDir ? await listCpuProfiles(profileDir) : [];
  const launch =
    (name: AppName, env: Record<string, string>, readyUrl: string, logName: string = name) =>
    () =>
      startApp({
        name,
        root: ctx.root,
        env: { ...common, ...env },
        logPath: join(dir, `${logName}.log`),
        readyUrl,
        ...(name === 'signer' && profileDir
          ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }
          : {}),
      });
  const signerMetricsUrls = signerPorts.map((port) => `http://127.0.0.1:${port}`);

  progress(
    `  starting gateway, ${signerCount === 1 ? 'signer' : `${signerCount} signers`} and notifier (${options.store} store)`,
  );
  let apps: AppProcess[];
  try {
    apps = await startAll([
      launch(
        'gateway',
        { FLEETSIGN_GATEWAY_HOST: '127.0.0.1', FLEETSIGN_GATEWAY_PORT: String(gatewayPort) },
        `${gatewayUrl}/readyz`,
      ),
      ...signerPorts.map((port, index) =>
        launch(
          'signer',
          {
            SOFTHSM2_CONF: token.confPath,
            FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1',
            FLEETSIGN_SIGNER_METRICS_PORT: String(port),
            ...options.signerEnv,
          },
          `${signerMetricsUrls[index]}/healthz`,
          index === 0 ? 'signer' : `signer-${index + 1}`,
        ),
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
  const [gateway, ...rest] = apps;
  const signers = rest.slice(0, signerCount);
  const notifier = rest[signerCount];
  const store = createObjectStore(storeConfig);
  const redisPid = await redisServerPid(redis.url).catch(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    signerMetricsUrl: signerMetricsUrls[0],
    signerMetricsUrls,
    apiToken: fleet.apiToken,
    webhookSecret: fleet.webhookSecret,
    redisUrl: redis.url,
    redisPrefix: queuePrefix(redisPrefix),
    store,
    gateway,
    signer: signers[0],
    signers,
    notifier,
    servicePids: { ...(redisPid ? { redis: redisPid } : {}), ...(s3?.pid ? { s3rver: s3.pid } : {}) },
    stop() {
      stopping ??= (async () => {
        await gateway.stop();
        await Promise.all([...signers.map((signer) => signer.stop()), notifier.stop()]);
        await store.close();
        await s3?.stop();
        // Each signer wrote its profile as it exited.
        if (profileDir) {
          for (const line of await summariseCpuProfiles(profileDir, earlierProfiles))
            progress(`  signer profile ${line}`);
        }
      })();
      return stopping;
    },
  };
}
