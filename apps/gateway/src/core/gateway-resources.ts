import {
  type Env,
  FS_ENV,
  type FleetSignConfig,
  type GatewayConfig,
  type RedisConfig,
  type StorageConfig,
  readEnv,
  resolveSecret,
} from '@fleetsign/config';
import { DEFAULT_INTAKE_PREFIX, IntakeLayout, checkRedisPersistence, type FleetSignQueue, QueueName, createQueue, createRedisConnection, queuePrefix } from '@fleetsign/queue';
import { objectStoreConfig, waitForRedis } from '@fleetsign/process-kit';
import { createObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { GatewaySettings } from './gateway-settings';
import { LazyObjectStore } from './lazy-object-store';

/** Everything the gateway is configured by, after validation. */
export interface GatewayResolvedConfig {
  gateway: GatewayConfig;
  redis: RedisConfig;
  storage: StorageConfig;
  fleet: FleetSignConfig;
  /** The gateway's public base URL when configured; otherwise its listening address is used. */
  publicBaseUrl?: string;
}

/** Connections and helpers shared by all request handlers; `close` releases them. */
export interface GatewayResources {
  redis: Redis;
  signQueue: FleetSignQueue<QueueName.Sign>;
  webhookQueue: FleetSignQueue<QueueName.Webhook>;
  /** Delayed expiry jobs of held approvals (the gateway also runs their worker). */
  approvalQueue: FleetSignQueue<QueueName.Approval>;
  /** Connection for the gateway's workers (approval expiry). */
  workerRedis: Redis;
  store: LazyObjectStore;
  settings: GatewaySettings;
  metrics: GatewayMetrics;
  close(): Promise<void>;
}


/** Opens Redis, the queues the gateway adds to or reads, and the (lazily built) object store. */
export async function openGatewayResources(
  config: GatewayResolvedConfig,
  logger: Logger,
  env: Env,
): Promise<GatewayResources> {
  const prefix = queuePrefix(config.redis.prefix);
  const fsSigningSecret = config.storage.driver === 'fs' ? resolveSecret(config.storage.signingSecret, env) : undefined;
  const settings = new GatewaySettings(
    config.gateway.bodyLimit,
    config.gateway.maxImageBytes,
    prefix,
    fsSigningSecret,
    config.publicBaseUrl,
    { bodyLimit: config.gateway.batchBodyLimit, fairShareSlice: config.gateway.batchFairShareSlice },
    new IntakeLayout(config.gateway.intakePrefix ?? DEFAULT_INTAKE_PREFIX),
  );
  // fs download URLs point at the gateway unless configured otherwise.
  const store = new LazyObjectStore(() =>
    createObjectStore(
      objectStoreConfig(config.storage, env, readEnv(env, FS_ENV.publicBaseUrl) ? undefined : settings.publicBaseUrl),
    ),
  );

  const redis = createRedisConnection(config.redis.url, 'producer');
  redis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  const persistence = {
    allowVolatile: config.redis.allowVolatile,
    process: 'gateway',
    warn: (message: string) => logger.warn(message),
  };
  // Not fatal: the gateway starts not ready (readyz reports it) and ioredis keeps trying.
  if (await waitForRedis(redis)) {
    await checkRedisPersistence(redis, persistence).catch(async (err: unknown) => {
      redis.disconnect();
      throw err;
    });
  } else {
    logger.warn('redis is not reachable yet; the gateway starts not ready');
    // Checked once Redis answers; a volatile one is reported then (the gateway is already serving).
    redis.once('ready', () => {
      checkRedisPersistence(redis, persistence).catch((err: unknown) => logger.error({ reason: (err as Error).message }, 'redis does not persist'));
    });
  }
  const signQueue = createQueue(QueueName.Sign, redis, prefix);
  const webhookQueue = createQueue(QueueName.Webhook, redis, prefix);
  const approvalQueue = createQueue(QueueName.Approval, redis, prefix);
  const workerRedis = createRedisConnection(config.redis.url, 'worker');
  workerRedis.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis worker connection error'));
  for (const queue of [signQueue, webhookQueue, approvalQueue]) {
    queue.on('error', (err: Error) => logger.warn({ err: { message: err.message }, queue: queue.name }, 'queue error'));
  }
  const metrics = new GatewayMetrics([signQueue, webhookQueue]);

  let closing: Promise<void> | undefined;
  const close = async () => {
    await Promise.allSettled([signQueue.close(), webhookQueue.close(), approvalQueue.close(), store.close()]);
    await redis.quit().catch(() => redis.disconnect());
    await workerRedis.quit().catch(() => workerRedis.disconnect());
  };
  return {
    redis,
    signQueue,
    webhookQueue,
    approvalQueue,
    workerRedis,
    store,
    settings,
    metrics,
    close: () => (closing ??= close()),
  };
}
