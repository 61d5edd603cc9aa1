import { isFleetSignError } from '@fleetsign/errors';
import type { Logger } from 'pino';

// How every FleetSign process (gateway, signer, notifier) starts and stops: its
// start-up is one async function whose steps read top to bottom; a start-up that
// fails prints one line (no stack, no secrets) and exits 1; SIGTERM/SIGINT close the
// process gracefully and a second signal exits at once.

/** What a started process hands back: how to stop it gracefully. */
export interface RunningProcess {
  close(): Promise<void>;
}

/** How a process is run. */
export interface ProcessSpec {
  /** Process name for the one-line start-up error, e.g. 'fleetsign-gateway'. */
  name: string;
  /**
   * The start-up steps in order (load settings, make the logger, wait for Redis, start
   * serving) ending with the running process. The logger is returned with it so
   * that signals are logged where the process logs.
   */
  start(env: NodeJS.ProcessEnv): Promise<{ logger: Logger; running: RunningProcess; stopping?: string }>;
}

/** Processes and the hooks runProcess installs; tests pass their own. */
export interface ProcessHost {
  env: NodeJS.ProcessEnv;
  onSignal(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): void;
  writeError(line: string): void;
  exit(code: number): void;
}

const NODE_PROCESS_HOST: ProcessHost = {
  env: process.env,
  onSignal: (signal, listener) => process.on(signal, listener),
  writeError: (line) => process.stderr.write(line),
  exit: (code) => process.exit(code),
};

/**
 * The one line a failed start-up prints: `<name>: <CODE>: <message>` for FleetSign
 * errors (configuration errors name the setting), else the error's first line. The
 * stack is left out: it would hide the reason, and it may quote a setting's value.
 */
export function startupFailureLine(name: string, err: unknown): string {
  const message = isFleetSignError(err)
    ? `${err.code}: ${err.message}`
    : err instanceof Error
      ? err.message
      : String(err);
  return `${name}: ${message.split('\n')[0]}\n`;
}

/**
 * Starts a process with `spec.start` and keeps it running until SIGTERM or SIGINT,
 * which close it (exit 0, or 1 when closing fails); a second signal exits 1 at once.
 * A failed start prints startupFailureLine and exits 1 (at once: a start that failed
 * half-way may hold connections that would keep the process alive).
 */
export async function runProcess(spec: ProcessSpec, host: ProcessHost = NODE_PROCESS_HOST): Promise<void> {
  let started: Awaited<ReturnType<ProcessSpec['start']>>;
  try {
    started = await spec.start(host.env);
  } catch (err) {
    host.writeError(startupFailureLine(spec.name, err));
    host.exit(1);
    return;
  }
  const { logger, running } = started;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting for running work');
      host.exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, started.stopping ?? 'stopping');
    running.close().then(
      () => host.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        host.exit(1);
      },
    );
  };
  host.onSignal('SIGTERM', stop);
  host.onSignal('SIGINT', stop);
}
