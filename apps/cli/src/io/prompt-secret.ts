import { ErrorCode, FleetSignError } from '@fleetsign/errors';

const ENTER = new Set(['\r', '\n', '\u0004']);
const CTRL_C = '\u0003';
const BACKSPACE = new Set(['\u007f', '\b']);

/**
 * Reads a secret from the terminal with echo off (raw mode), writing the prompt to stderr.
 * Refuses when stdin is not a terminal, so a script never hangs waiting for a PIN.
 */
export function promptSecretFromTerminal(
  prompt: string,
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(
      new FleetSignError(
        ErrorCode.InvalidConfig,
        'No PIN available: set "credentials" in the HSM config or FLEETSIGN_HSM_PIN (stdin is not a terminal to prompt on)',
      ),
    );
  }
  output.write(prompt);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ENTER.has(ch)) {
          finish();
          resolve(value);
          return;
        }
        if (ch === CTRL_C) {
          finish();
          reject(new FleetSignError(ErrorCode.InvalidArgument, 'PIN entry cancelled'));
          return;
        }
        value = BACKSPACE.has(ch) ? value.slice(0, -1) : value + ch;
      }
    };
    input.on('data', onData);
  });
}
