import type { CommandContext } from '../command-context';
import { type ClientRuntime, progressModeOf } from './client-runtime';
import { type Connection, type ConnectionFlags, resolveConnection } from './connection';
import { FleetSignApi } from '@fleetsign/api';
import { createProgressReporter, type ProgressReporter } from './progress';
import type { ClientCall } from './run-client-command';

/** Everything a service-client command body works with. */
export interface ClientSession {
  api: FleetSignApi;
  connection: Connection;
  signal: AbortSignal;
  progress: ProgressReporter;
  runtime: ClientRuntime;
  /** One line to stdout. */
  print(line: string): void;
  /** One line to stderr (notes, progress lines). */
  warn(line: string): void;
}

/** Resolves the connection and builds the API client and progress display for one command run. */
export function openSession(
  flags: ConnectionFlags,
  context: CommandContext,
  runtime: ClientRuntime,
  call: ClientCall,
): ClientSession {
  const connection = resolveConnection(flags, context);
  const warn = (line: string) => context.io.stderr(`${line}\n`);
  return {
    api: new FleetSignApi({ baseUrl: connection.baseUrl, apiKey: connection.apiKey, signal: call.signal }),
    connection,
    signal: call.signal,
    progress: createProgressReporter({
      mode: progressModeOf(runtime),
      writeLine: warn,
      lineIntervalMs: runtime.progressIntervalMs,
    }),
    runtime,
    print: (line) => context.print(line),
    warn,
  };
}
