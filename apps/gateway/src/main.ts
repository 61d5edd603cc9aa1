import { loadGatewayConfig, loadTracingConfig } from '@fleetsign/config';
import { startProcessTracing, stopsWithTracing } from '@fleetsign/observability';
import { createProcessLogger, loadLogLevel, runProcess } from '@fleetsign/process-kit';
import { createGateway } from './create-gateway';
import { GATEWAY_LOGGER } from './logging/gateway-logger';

// Process entry of the gateway (the process kit's start-up, one step a line): settings
// from the environment, then the HTTP API. SIGTERM/SIGINT let running requests finish.
void runProcess({
  name: 'fleetsign-gateway',
  async start(env) {
    const logger = createProcessLogger({ ...GATEWAY_LOGGER, level: loadLogLevel(env) });
    const settings = loadGatewayConfig(env);
    const tracing = startProcessTracing('fleetsign-gateway', loadTracingConfig(env), logger);
    const gateway = await createGateway({ env, logger, listen: { host: settings.host, port: settings.port } });
    logger.info({ url: gateway.url }, 'FleetSign gateway listening');
    return { logger, running: stopsWithTracing(gateway, tracing), stopping: 'stopping: closing the HTTP listener' };
  },
});
