import type { CommandContext } from '../command-context';
import { ClientExit, EXIT_FATAL, EXIT_OK } from './client-exit';
import type { ClientRuntime } from './client-runtime';

/** What a command body receives besides its parsed options. */
export interface ClientCall {
  /** Aborted by the runtime's signal or Ctrl-C. */
  signal: AbortSignal;
}

/** The one-line reason of a failure, with known secrets replaced by `***`. */
export function failureLine(err: unknown, secrets: Iterable<string>, interrupted: boolean, interruptHint = ''): string {
  const reason = interrupted
    ? `interrupted${interruptHint}`
    : (err instanceof Error ? err.message : String(err)).replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'unexpected error';
  let line = `fleetsign: ${reason}`;
  for (const secret of secrets) if (secret.length > 0) line = line.split(secret).join('***');
  return line;
}

/**
 * Runs a service-client command body. A failure becomes one `fleetsign: <reason>` line
 * on stderr and exit 2; a body's non-zero result (1: some images failed) is kept. The
 * exit code travels to the runner as a ClientExit, which prints nothing more.
 */
export async function runClientCommand(
  context: CommandContext,
  runtime: ClientRuntime,
  body: (call: ClientCall) => Promise<number>,
  options: { interruptHint?: string } = {},
): Promise<void> {
  const controller = new AbortController();
  const relay = () => controller.abort();
  if (runtime.signal?.aborted) controller.abort();
  runtime.signal?.addEventListener('abort', relay, { once: true });
  const handleInterrupts = runtime.handleInterrupts ?? runtime.signal === undefined;
  if (handleInterrupts) process.once('SIGINT', relay);
  let code: number;
  try {
    code = await body({ signal: controller.signal });
  } catch (err) {
    context.io.stderr(`${failureLine(err, context.secrets, controller.signal.aborted, options.interruptHint)}\n`);
    code = EXIT_FATAL;
  } finally {
    runtime.signal?.removeEventListener('abort', relay);
    if (handleInterrupts) process.removeListener('SIGINT', relay);
  }
  runtime.onExit?.(code);
  if (code !== EXIT_OK) throw new ClientExit(code);
}
