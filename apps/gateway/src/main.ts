import { loadGatewayConfig } from '@fleetsign/config';
import { z } from 'zod';
import { createGateway } from './create-gateway';
import { createGatewayLogger } from './logging/gateway-logger';

const LOG_LEVEL_ENV = 'FLEETSIGN_LOG_LEVEL';
const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Process entry: settings from the environment, graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const level = logLevelSchema.safeParse(process.env[LOG_LEVEL_ENV]?.trim() || 'info');
  const logger = createGatewayLogger(level.success ? level.data : 'info');
  if (!level.success) logger.warn(`${LOG_LEVEL_ENV} must be one of ${logLevelSchema.options.join(', ')}; using info`);
  try {
    const settings = loadGatewayConfig(process.env);
    const gateway = await createGateway({
      logger,
      shutdownHooks: true,
      listen: { host: settings.host, port: settings.port },
    });
    logger.info({ url: gateway.url }, 'FleetSign gateway listening');
  } catch (err) {
    // Configuration errors are one line naming the setting.
    logger.fatal({ err }, err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
}

void main();
