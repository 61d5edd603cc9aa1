import { loadFleetSignConfig, loadNotifierConfig, loadRedisConfig } from '@fleetsign/config';
import { isFleetSignError } from '@fleetsign/errors';
import { createNotifierLogger } from './logging/notifier-logger';
import { loadNotifierProcessSettings } from './notifier-process-settings';
import { startNotifier } from './start-notifier';

// Process entry of the notifier: configuration from the environment (and FLEETSIGN_CONFIG
// for tenants), graceful stop on SIGTERM/SIGINT, a second signal stops at once.
async function main(): Promise<void> {
  const env = process.env;
  const settings = loadNotifierProcessSettings(env);
  const logger = createNotifierLogger(settings.logLevel);
  const config = loadFleetSignConfig(undefined, env, { checkWebhookSecrets: true });
  const notifier = await startNotifier({
    redis: loadRedisConfig(env),
    notifier: loadNotifierConfig(env),
    tenants: config.tenants,
    env,
    concurrency: settings.concurrency,
    metrics: settings.metricsPort === 0 ? undefined : { port: settings.metricsPort, host: settings.metricsHost },
    logger,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for running deliveries');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing running deliveries');
    notifier.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  // Configuration errors are one line naming the setting; anything else keeps its stack.
  const message = isFleetSignError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`fleetsign-notifier: ${message}\n`);
  process.exitCode = 1;
});
