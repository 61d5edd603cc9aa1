/** A demo step failed; `logPath` names the service log whose tail explains it. */
export class DemoError extends Error {
  override readonly name = 'DemoError';

  constructor(
    message: string,
    readonly logPath?: string,
  ) {
    super(message);
  }
}
