// First: sizes the libuv thread pool before anything uses it.
import './size-threadpool';
import { isFleetSignError } from '@fleetsign/errors';
import { createSignerLogger } from './observability/signer-logger';
import { loadSignerProcessSettings } from './settings/signer-settings';
import { startSigner } from './start-signer';

// Process entry of the signer: settings from the environment and FLEETSIGN_CONFIG,
// graceful stop on SIGTERM/SIGINT (running jobs finish, keys are closed), a second
// signal exits at once.
async function main(): Promise<void> {
  const logger = createSignerLogger(loadSignerProcessSettings(process.env).logLevel);
  const signer = await startSigner({ logger });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for running jobs');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping: finishing running jobs');
    signer.close().then(
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
  process.stderr.write(`fleetsign-signer: ${message}\n`);
  // Exit now: a start that failed half-way may still hold connections that would keep the process alive.
  process.exit(1);
});
