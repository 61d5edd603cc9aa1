import 'reflect-metadata';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  CONFIG_PATH_ENV,
  type Env,
  LiveConfig,
  type FleetSignConfig,
  GATEWAY_ENV,
  type GatewayConfig,
  type RedisConfig,
  type StorageConfig,
  loadFleetSignConfig,
  loadGatewayConfig,
  loadRedisConfig,
  loadStorageConfig,
  readEnv,
} from '@fleetsign/config';
import { configReloadMetricsOf } from '@fleetsign/observability';
import { type ConfigReloader, NestPinoLogger, type ReloadOutcome, createProcessLogger, startConfigReloader } from '@fleetsign/process-kit';
import { LogController } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger, LevelWithSilent } from 'pino';
import { applyBatchBodyLimit } from './batches/batch-body-limit';
import { type GatewayResolvedConfig, type GatewayResources, openGatewayResources } from './core/gateway-resources';
import { GatewayModule } from './core/gateway.module';
import { ConsoleSessions } from './console/console-sessions';
import { mountQueueDashboard } from './console/queue-dashboard';
import { setupOpenApi } from './docs/setup-openapi';
import { enableGracefulDrain } from './http/graceful-drain';
import { problemClientErrorHandler } from './http/client-error';
import { ProblemFilter } from './http/problem.filter';
import { writeQuotaHeaders } from './quotas/quota-headers';
import { REQUEST_ID_LOG_LABEL, registerRequestContext, requestIdFor } from './http/request-context';
import { registerStreamBodyParser } from './http/stream-body';
import { GATEWAY_LOGGER } from './logging/gateway-logger';
import { AutoReconcile } from './reconcile/auto-reconcile';

/** Version of the HTTP API, shown in the OpenAPI document. */
export const API_VERSION = '1.0.0';

/** Options of {@link createGateway}; anything not given is read from `env` like the process does. */
export interface CreateGatewayOptions {
  /** Environment to read settings from (default process.env). */
  env?: Env;
  config?: {
    gateway?: Partial<GatewayConfig>;
    redis?: RedisConfig;
    storage?: StorageConfig;
    /** Profiles, API keys and tenants (default: the file named by FLEETSIGN_CONFIG). */
    fleet?: FleetSignConfig;
  };
  /** Where to listen (default 127.0.0.1, a free port). */
  listen?: { host?: string; port?: number };
  /** Logger to use; otherwise a pino logger at `logLevel` (default 'info') on stdout. */
  logger?: Logger;
  logLevel?: LevelWithSilent;
  /** Reload the configuration file on SIGHUP and when it changes on disk (default true; never with `config.fleet`). */
  reloadConfig?: boolean;
}

/** A running gateway. */
export interface Gateway {
  app: NestFastifyApplication;
  /** Base URL it listens on, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Stops accepting requests, lets running ones finish, then releases Redis and the store. */
  close(): Promise<void>;
  /** Reloads the configuration file now, as SIGHUP does (undefined when the configuration is not from a file). */
  reloadConfig?: () => Promise<ReloadOutcome>;
}

const RESOURCES = Symbol('GatewayResources');

/** Releases Redis, the queues and the store once the HTTP server has stopped (Nest's last shutdown phase). */
@Injectable()
class ResourcesCloser implements OnApplicationShutdown {
  constructor(@Inject(RESOURCES) private readonly resources: GatewayResources) {}

  async onApplicationShutdown(): Promise<void> {
    await this.resources.close();
  }
}

function resolveConfig(options: CreateGatewayOptions, env: Env): GatewayResolvedConfig {
  const given = options.config ?? {};
  const gateway = { ...loadGatewayConfig(env), ...given.gateway };
  return {
    gateway,
    redis: given.redis ?? loadRedisConfig(env),
    storage: given.storage ?? loadStorageConfig(env),
    fleet: given.fleet ?? loadFleetSignConfig(undefined, env),
    // Links use the configured public URL; otherwise the address actually listened on.
    publicBaseUrl: given.gateway?.publicBaseUrl ?? (readEnv(env, GATEWAY_ENV.publicBaseUrl) ? gateway.publicBaseUrl : undefined),
  };
}

function listeningUrl(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Starts the FleetSign HTTP API (NestJS on Fastify). It never loads a PKCS#11 module
 * or any key: it reads profiles and API keys from configuration, adds jobs to Redis
 * and presigns object store URLs.
 */
export async function createGateway(options: CreateGatewayOptions = {}): Promise<Gateway> {
  const env = options.env ?? process.env;
  const config = resolveConfig(options, env);
  const logger = options.logger ?? createProcessLogger({ ...GATEWAY_LOGGER, level: options.logLevel ?? 'info' });
  const resources = await openGatewayResources(config, logger, env);
  let app: NestFastifyApplication | undefined;
  try {
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      bodyLimit: config.gateway.bodyLimit,
      clientErrorHandler: problemClientErrorHandler,
      genReqId: requestIdFor,
      logController: new LogController({ requestIdLogLabel: REQUEST_ID_LOG_LABEL }),
    });
    // Every reader of the configuration gets the live view: API keys, tenants and profiles follow reloads.
    const live = new LiveConfig(config.fleet);
    const module = GatewayModule.register(resources, live.view);
    module.providers = [...(module.providers ?? []), { provide: RESOURCES, useValue: resources }, ResourcesCloser];
    app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      // Fastify's JSON parser only (no urlencoded forms); other bodies go to the stream parser.
      bodyParser: false,
    });
    const fastify = app.getHttpAdapter().getInstance();
    registerRequestContext(fastify);
    registerStreamBodyParser(fastify);
    applyBatchBodyLimit(fastify, resources.settings.batch.bodyLimit);
    enableGracefulDrain(fastify);
    resources.metrics.instrument(fastify);
    // Successes and problems alike carry the tenant's RateLimit fields once a quota was counted.
    fastify.addHook('onSend', async (request, reply) => writeQuotaHeaders(request, reply));
    app.useGlobalFilters(new ProblemFilter(logger, () => resources.redis.status === 'ready'));
    // Before listening only a configured URL is known; else the document names its own host ('/').
    setupOpenApi(app, API_VERSION, resources.settings.knownBaseUrl ?? '/');
    await mountQueueDashboard(app, resources, app.get(ConsoleSessions));
    await app.listen({ host: options.listen?.host ?? '127.0.0.1', port: options.listen?.port ?? 0 });
    const url = listeningUrl(app);
    resources.settings.useListeningUrl(url);
    app.get(AutoReconcile).start();
    const configPath = readEnv(env, CONFIG_PATH_ENV);
    let reloader: ConfigReloader | undefined;
    if (!options.config?.fleet && configPath && options.reloadConfig !== false) {
      reloader = startConfigReloader({
        path: configPath,
        live,
        load: (path) => loadFleetSignConfig(path, env),
        logger,
        metrics: configReloadMetricsOf(resources.metrics.registry),
      });
    }
    const running = app;
    return {
      app: running,
      url,
      close: () => {
        reloader?.close();
        return running.close();
      },
      ...(reloader ? { reloadConfig: () => (reloader as ConfigReloader).reload('requested') } : {}),
    };
  } catch (err) {
    if (app) await app.close().catch(() => undefined);
    await resources.close();
    throw err;
  }
}
