/**
 * A local development service (Redis, SoftHSM2 token, child process) could not be
 * set up. The message is one line saying what failed and what to do about it
 * (e.g. which Debian package to install); it never holds a PIN or other secret.
 * `logPath` names the log whose tail explains it, when there is one.
 */
export class DevStackError extends Error {
  override readonly name = 'DevStackError';

  constructor(
    message: string,
    readonly logPath?: string,
  ) {
    super(message);
  }
}
