import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CONFIG_PATH_ENV, type Env, LiveConfig, loadFleetSignConfig, readEnv } from '@fleetsign/config';
import { configReloadMetricsOf } from '@fleetsign/observability';
import type { FleetSignWorker, QueueName } from '@fleetsign/queue';
import { type ConfigReloader, NestPinoLogger, type ReloadOutcome, createProcessLogger, objectStoreConfig, startConfigReloader } from '@fleetsign/process-kit';
import type { Logger } from 'pino';
import { ProfileKeyRegistry } from './keys/profile-key-registry';
import { SIGNER_LOGGER } from './observability/signer-logger';
import { SignerMetrics } from './observability/signer-metrics';
import { loadSignerSettings, type SignerSettings, type SignerSettingsOverrides } from './settings/signer-settings';
import { SignerModule } from './signer.module';
import { SignerRuntime } from './signer-runtime';
import { TransparencyLog } from './transparency-log/transparency-log';

/** How to start a signer; main.ts passes nothing (all from the environment), tests override parts. */
export interface StartSignerOptions {
  /** Configuration file with the profiles; default $FLEETSIGN_CONFIG. */
  configPath?: string;
  /** Environment settings are read from; default process.env. */
  env?: Env;
  /** Replacements for loaded settings. */
  config?: SignerSettingsOverrides;
  /** Default: a pino logger at FLEETSIGN_LOG_LEVEL. */
  logger?: Logger;
  /** Reload the configuration file on SIGHUP and when it changes on disk (default true; never with `config.fleet`). */
  reloadConfig?: boolean;
}

/** A running signer. */
export interface Signer {
  /** Stops taking jobs, lets running ones finish (up to shutdownTimeoutMs), closes keys, queues and Redis. Safe to call twice. */
  close(): Promise<void>;
  /** The profiles and their open keys. */
  registry: ProfileKeyRegistry;
  /** The BullMQ worker on the `sign` queue. */
  worker: FleetSignWorker<QueueName.Sign>;
  metrics: SignerMetrics;
  /** The signer's side of the transparency log. */
  log: TransparencyLog;
  /** Base URL of the /metrics + /healthz listener, when one runs. */
  metricsUrl?: string;
  settings: SignerSettings;
  /** True once keys are loaded and the worker takes jobs. */
  isReady(): boolean;
  /** Reloads the configuration file now, as SIGHUP does (undefined when the configuration is not from a file). */
  reloadConfig?: () => Promise<ReloadOutcome>;
}

/**
 * Starts a signer: loads settings, opens every active profile's keys (a profile whose
 * keys fail is marked unavailable, the rest serve), publishes their public keys, then
 * starts the `sign` worker and the metrics/health listener. Resolves when it takes jobs.
 */
export async function startSigner(options: StartSignerOptions = {}): Promise<Signer> {
  const loaded = loadSignerSettings({ configPath: options.configPath, env: options.env, overrides: options.config });
  // The file's configuration is live: every part reads settings.fleet at use, so a reload applies to the next job.
  const live = new LiveConfig(loaded.fleet);
  const settings = { ...loaded, fleet: live.view };
  const storage = objectStoreConfig(settings.storage, settings.env);
  const logger = options.logger ?? createProcessLogger({ ...SIGNER_LOGGER, level: settings.process.logLevel });
  const app = await NestFactory.createApplicationContext(SignerModule.register(settings, storage, logger), {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const runtime = app.get(SignerRuntime);
  try {
    await runtime.start();
  } catch (err) {
    await app.close().catch((closeErr: unknown) => logger.warn({ err: closeErr }, 'cleanup after a failed start failed'));
    throw err;
  }
  const registry = app.get(ProfileKeyRegistry);
  live.onChange((next) => registry.reconcile(next.profiles));
  const configPath = options.configPath ?? readEnv(settings.env, CONFIG_PATH_ENV);
  let reloader: ConfigReloader | undefined;
  if (!options.config?.fleet && configPath && options.reloadConfig !== false) {
    reloader = startConfigReloader({
      path: configPath,
      live,
      load: (path) => loadFleetSignConfig(path, settings.env, { checkKeyReferences: true }),
      logger,
      metrics: configReloadMetricsOf(app.get(SignerMetrics).registry),
    });
  }
  let closing: Promise<void> | undefined;
  return {
    close() {
      reloader?.close();
      closing ??= app.close();
      return closing;
    },
    ...(reloader ? { reloadConfig: () => (reloader as ConfigReloader).reload('requested') } : {}),
    registry,
    worker: runtime.worker as FleetSignWorker<QueueName.Sign>,
    metrics: app.get(SignerMetrics),
    log: app.get(TransparencyLog),
    metricsUrl: runtime.metricsUrl,
    settings,
    isReady: () => runtime.isReady(),
  };
}
