import { type Env, type FleetSignConfig, LiveConfig, type NotifierConfig, type RedisConfig, type TenantConfig } from '@fleetsign/config';
import { configReloadMetricsOf } from '@fleetsign/observability';
import { type ConfigReloader, createProcessLogger, type ReloadOutcome, startConfigReloader } from '@fleetsign/process-kit';
import { checkRedisPersistence, createRedisConnection, createWorker, QueueName } from '@fleetsign/queue';
import type { Logger } from 'pino';
import { createWebhookProcessor } from './delivery/deliver-webhook';
import { type HealthServer, startHealthServer } from '@fleetsign/observability';
import { NOTIFIER_LOGGER } from './logging/notifier-logger';
import { NotifierMetrics } from './metrics/notifier-metrics';
import { TenantSecretStore } from './signing/webhook-secrets';
import { TargetPolicy } from './targets/address-policy';
import type { HostLookup } from './targets/vet-target';
import { webhookUserAgent } from './version';

/** Deliveries one notifier process runs at once: they mostly wait on the network. */
export const DEFAULT_NOTIFIER_CONCURRENCY = 16;

/** Everything a notifier needs; main.ts builds it from the environment, tests directly. */
export interface NotifierOptions {
  redis: RedisConfig;
  /** Timeout, attempts and private-target allow-list. */
  notifier: NotifierConfig;
  /** Tenants and their webhook secret references (read on each delivery, never logged); ignored with `configFile`. */
  tenants: readonly TenantConfig[];
  /**
   * The configuration file the tenants come from, reloaded on SIGHUP and when it changes
   * on disk: `initial` is its validated content, `load` reads and validates it again.
   */
  configFile?: { path: string; initial: FleetSignConfig; load(path: string): FleetSignConfig };
  /** Environment for `webhook_secret_env` references (default process.env). */
  env?: Env;
  concurrency?: number;
  /** The /metrics + /healthz listener; omit for none. Port 0 picks a free port. */
  metrics?: { port: number; host?: string };
  logger?: Logger;
  /** FleetSign version for the User-Agent (default: from package.json). */
  version?: string;
  /** Host name resolver (default: the system resolver); tests substitute one to simulate DNS answers. */
  lookup?: HostLookup;
}

/** A running notifier. */
export interface Notifier {
  /** Base URL of the metrics/health listener, when one was started. */
  metricsUrl?: string;
  metrics: NotifierMetrics;
  /** Stops taking jobs, lets running deliveries finish, then closes the listener and Redis. Safe to call twice. */
  close(): Promise<void>;
  /** Reloads the configuration file now, as SIGHUP does (with `configFile`). */
  reloadConfig?: () => Promise<ReloadOutcome>;
}

/**
 * Starts the webhook delivery worker on the `webhook` queue and, when asked, its
 * metrics/health listener. Resolves once the worker is connected to Redis.
 */
export async function startNotifier(options: NotifierOptions): Promise<Notifier> {
  const logger = options.logger ?? createProcessLogger(NOTIFIER_LOGGER);
  const metrics = new NotifierMetrics();
  const { configFile } = options;
  const live = configFile && new LiveConfig(configFile.initial);
  const connection = createRedisConnection(options.redis.url, 'worker');
  connection.on('error', (err: Error) => logger.warn({ err: { message: err.message } }, 'redis connection error'));

  const processor = createWebhookProcessor({
    policy: new TargetPolicy(options.notifier.allowPrivateTargets),
    secrets: new TenantSecretStore(live ? () => live.current().tenants : options.tenants, options.env),
    timeoutMs: options.notifier.timeoutMs,
    maxAttempts: options.notifier.attempts,
    userAgent: webhookUserAgent(options.version),
    metrics,
    logger,
    lookup: options.lookup,
  });
  const worker = createWorker(QueueName.Webhook, processor, {
    connection,
    prefix: options.redis.prefix,
    concurrency: options.concurrency ?? DEFAULT_NOTIFIER_CONCURRENCY,
  });
  worker.on('error', (err) => logger.error({ err }, 'webhook worker error'));

  let health: HealthServer | undefined;
  let reloader: ConfigReloader | undefined;
  const shutDown = async () => {
    reloader?.close();
    await worker.close();
    await health?.close();
    await connection.quit().catch(() => connection.disconnect());
  };

  try {
    await worker.waitUntilReady();
    await checkRedisPersistence(connection, {
      allowVolatile: options.redis.allowVolatile,
      process: 'notifier',
      warn: (message) => logger.warn(message),
    });
    if (options.metrics) {
      health = await startHealthServer({
        port: options.metrics.port,
        host: options.metrics.host ?? '127.0.0.1',
        registry: metrics.registry,
        isReady: () => worker.isRunning() && connection.status === 'ready',
        readinessProbes: { redis: () => connection.ping() },
      });
    }
    if (configFile && live) {
      reloader = startConfigReloader({ path: configFile.path, live, load: configFile.load, logger, metrics: configReloadMetricsOf(metrics.registry) });
    }
  } catch (err) {
    await shutDown();
    throw err;
  }
  logger.info(
    { queue: QueueName.Webhook, prefix: options.redis.prefix, metricsUrl: health?.url, tenants: options.tenants.length },
    'notifier started',
  );

  let closing: Promise<void> | undefined;
  return {
    metricsUrl: health?.url,
    metrics,
    ...(reloader ? { reloadConfig: () => (reloader as ConfigReloader).reload('requested') } : {}),
    close() {
      closing ??= shutDown().then(() => logger.info('notifier stopped'));
      return closing;
    },
  };
}
