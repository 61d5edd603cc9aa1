import type { PollBackoff } from './poll';
import type { ProgressMode } from './progress';

/** Milestones of the service-client commands, for observers (tests, wrappers). */
export type ClientEvent =
  | { type: 'uploaded'; name: string; key: string }
  | { type: 'batch-created'; batchId: string; resumed: boolean }
  | { type: 'downloaded'; name: string; path: string }
  | { type: 'download-skipped'; name: string; path: string };

/** How the service-client commands run; the `fleetsign` binary uses the defaults. */
export interface ClientRuntime {
  /** Aborting stops the command: work in flight is dropped, temp files removed, batch state saved. */
  signal?: AbortSignal;
  /** Also abort on Ctrl-C (SIGINT) while a command runs. Default: true when no `signal` is given. */
  handleInterrupts?: boolean;
  /** Progress display. Default: a bar when stderr is a terminal, else periodic lines. */
  progress?: ProgressMode;
  /** Least time between two plain progress lines (default 2 s). */
  progressIntervalMs?: number;
  /** Receives milestones as they happen. */
  onEvent?: (event: ClientEvent) => void;
  /** Waits between status polls. */
  pollBackoff?: PollBackoff;
  /**
   * Receives each command's exit code (0 all signed, 1 some images failed, 2 fatal) as
   * the command decided it, before the runner turns it into the process exit code.
   */
  onExit?: (code: number) => void;
}

/** The progress mode the runtime asks for, resolving the default from the terminal. */
export function progressModeOf(runtime: ClientRuntime): ProgressMode {
  return runtime.progress ?? (process.stderr.isTTY ? 'bar' : 'lines');
}
