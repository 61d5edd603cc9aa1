import { execFile } from 'node:child_process';
import { DevStackError } from '../devstack-error';

/** Longest a token tool may run (an RSA-3072 key pair takes ~0.3-1 s). */
export const TOOL_TIMEOUT_MS = 60_000;

/** How a failed tool run ended. */
export class ToolFailure extends DevStackError {
  constructor(
    message: string,
    /** The tool's own error output (never holds the arguments, which may carry a PIN). */
    readonly output: string,
  ) {
    super(message);
  }
}

/**
 * Runs a token tool and returns its stdout. On failure the message names `what` and
 * quotes the tool's stderr/stdout, never the command line: PINs are passed as arguments.
 */
export function runTool(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env, timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const output = `${stderr}\n${stdout}`.trim();
        const killed = (err as { killed?: boolean }).killed
          ? ` (stopped after ${TOOL_TIMEOUT_MS / 1000} s)`
          : '';
        const detail = output ? `: ${output.split('\n').slice(-3).join(' | ')}` : '';
        reject(new ToolFailure(`${what} failed${killed}${detail}`, output));
      },
    );
  });
}
