// First: sizes the libuv thread pool before anything uses it.
import './size-threadpool';
import { loadTracingConfig } from '@fleetsign/config';
import { startProcessTracing, stopsWithTracing } from '@fleetsign/observability';
import { createProcessLogger, runProcess } from '@fleetsign/process-kit';
import { SIGNER_LOGGER } from './observability/signer-logger';
import { loadSignerProcessSettings } from './settings/signer-settings';
import { startSigner } from './start-signer';

// Process entry of the signer (the process kit's start-up, one step a line): settings
// from the environment and FLEETSIGN_CONFIG, keys opened, then the worker.
// SIGTERM/SIGINT let running jobs finish and close the keys.
void runProcess({
  name: 'fleetsign-signer',
  async start(env) {
    const logger = createProcessLogger({ ...SIGNER_LOGGER, level: loadSignerProcessSettings(env).logLevel });
    const tracing = startProcessTracing('fleetsign-signer', loadTracingConfig(env), logger);
    const signer = await startSigner({ env, logger });
    return { logger, running: stopsWithTracing(signer, tracing), stopping: 'stopping: finishing running jobs' };
  },
});
