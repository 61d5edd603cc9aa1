import { CONFIG_PATH_ENV, loadFleetSignConfig, loadNotifierConfig, loadRedisConfig, loadTracingConfig, readEnv } from '@fleetsign/config';
import { startProcessTracing, stopsWithTracing } from '@fleetsign/observability';
import { createProcessLogger, runProcess } from '@fleetsign/process-kit';
import { NOTIFIER_LOGGER } from './logging/notifier-logger';
import { loadNotifierProcessSettings } from './notifier-process-settings';
import { startNotifier } from './start-notifier';

// Process entry of the notifier (the process kit's start-up, one step a line):
// settings from the environment and FLEETSIGN_CONFIG (tenants), then the worker.
// SIGTERM/SIGINT let running deliveries finish.
void runProcess({
  name: 'fleetsign-notifier',
  async start(env) {
    const settings = loadNotifierProcessSettings(env);
    const logger = createProcessLogger({ ...NOTIFIER_LOGGER, level: settings.logLevel });
    const load = (path?: string) => loadFleetSignConfig(path, env, { checkWebhookSecrets: true });
    const config = load();
    const tracing = startProcessTracing('fleetsign-notifier', loadTracingConfig(env), logger);
    const notifier = await startNotifier({
      redis: loadRedisConfig(env),
      notifier: loadNotifierConfig(env),
      tenants: config.tenants,
      configFile: { path: readEnv(env, CONFIG_PATH_ENV) as string, initial: config, load },
      env,
      concurrency: settings.concurrency,
      metrics: settings.metricsPort === 0 ? undefined : { port: settings.metricsPort, host: settings.metricsHost },
      logger,
    });
    return { logger, running: stopsWithTracing(notifier, tracing), stopping: 'stopping: finishing running deliveries' };
  },
});
