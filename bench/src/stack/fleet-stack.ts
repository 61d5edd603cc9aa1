import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  findFreePort,
  type Fleet,
  type FleetStore,
  inheritedServiceEnv,
  type ServiceProcess,
  startFleet,
  writeFileAtomic,
} from '@fleetsign/devstack';
import { queuePrefix } from '@fleetsign/queue';
import { createObjectStore, type ObjectStore, type ObjectStoreConfig } from '@fleetsign/storage';
import { progress } from '../core/progress';
import type { BenchContext } from '../core/scenario';
import { listCpuProfiles, summariseCpuProfiles } from './cpu-profile-summary';
import { writeFleetConfig } from './fleet-config';
import { readProcessStats, type ProcessStats } from './process-stats';
import { redisServerPid } from './redis-pid';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverProcess } from './s3rver-process';

/** A service of the stack, for CPU and memory accounting. */
export interface BenchService {
  name: string;
  pid: number;
  /** Memory and CPU time so far. */
  stats(): Promise<ProcessStats>;
}

function benchService(service: ServiceProcess): BenchService {
  return { name: service.name, pid: service.pid, stats: () => readProcessStats(service.pid) };
}

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
  /** False: no `transparency_log` section, so the log signs no checkpoints and hands out no proofs (default true). */
  checkpoints?: boolean;
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
  gateway: BenchService;
  /** The first signer. */
  signer: BenchService;
  signers: BenchService[];
  notifier: BenchService;
  /** Other processes the stack runs on (redis-server, s3rver), for CPU accounting. */
  servicePids: Partial<Record<'redis' | 's3rver', number>>;
  /** Stops the services (gracefully), the store client and s3rver. */
  stop(): Promise<void>;
}

const S3_BUCKET = 'fleetsign-bench';

/** The store the services are wired to: the fs root with its secret in a file, or the s3rver. */
function fleetStore(config: ObjectStoreConfig, signingSecretFile: string): FleetStore {
  if (config.driver === 'fs') return { driver: 'fs', root: config.root, signingSecretFile };
  return {
    driver: 's3',
    endpoint: config.endpoint ?? '',
    region: config.region,
    bucket: config.bucket,
    forcePathStyle: true,
    ...S3RVER_CREDENTIALS,
  };
}

/**
 * Starts a FleetSign stack for one scenario: a configuration file with the benchmark
 * profiles, an fs store or an s3rver, and the built gateway, signer and notifier as
 * child processes on 127.0.0.1 (own queue prefix, logs in the stack folder).
 */
export async function startFleetStack(ctx: BenchContext, options: FleetStackOptions): Promise<FleetStack> {
  const dir = await ctx.dir(`stack-${options.name}`);
  const [redis, token] = await Promise.all([ctx.redis(), ctx.token()]);
  const config = await writeFleetConfig(dir, token, { checkpoints: options.checkpoints !== false });
  const signerCount = options.signers ?? 1;
  // The fs store's URLs point at the gateway, whose port the launcher picks: fix it here.
  const gatewayPort = await findFreePort();
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
  const signingSecretFile = join(dir, 'fs-signing-secret');
  if (storeConfig.driver === 'fs') await writeFileAtomic(signingSecretFile, storeConfig.signingSecret, { mode: 0o600 });
  const profileDir = ctx.signerProfileDir && join(ctx.signerProfileDir, options.name);
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const earlierProfiles = profileDir ? await listCpuProfiles(profileDir) : [];

  progress(
    `  starting gateway, ${signerCount === 1 ? 'signer' : `${signerCount} signers`} and notifier (${options.store} store)`,
  );
  let fleet: Fleet;
  try {
    fleet = await startFleet({
      root: ctx.root,
      logsDir: dir,
      configFile: config.configPath,
      redisUrl: redis.url,
      redisPrefix,
      store: fleetStore(storeConfig, signingSecretFile),
      softHsmConf: token.confPath,
      gatewayPort,
      signers: signerCount,
      webhookAllowPrivateTargets: '127.0.0.1',
      baseEnv: { ...inheritedServiceEnv(process.env), FLEETSIGN_LOG_LEVEL: 'warn' },
      ...(options.signerEnv ? { roleEnv: { signer: options.signerEnv } } : {}),
      ...(profileDir ? { nodeArgs: { signer: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } } : {}),
    });
  } catch (err) {
    await s3?.stop();
    throw err;
  }
  const running = fleet;
  const [gateway, ...rest] = fleet.services.map(benchService);
  const signerMetricsUrls = fleet.signers.map((signer) => `http://127.0.0.1:${signer.spec.port}`);
  const signers = rest.slice(0, signerCount);
  const notifier = rest[signerCount];
  const store = createObjectStore(storeConfig);
  const redisPid = await redisServerPid(redis.url).catch(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl,
    signerMetricsUrl: signerMetricsUrls[0],
    signerMetricsUrls,
    apiToken: config.apiToken,
    webhookSecret: config.webhookSecret,
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
        await running.stop(20_000);
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
