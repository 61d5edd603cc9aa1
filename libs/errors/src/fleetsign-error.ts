import { ErrorCode } from './error-code';

/** An error with a stable code; `message` is one line a user can act on and never holds secrets. */
export class FleetSignError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FleetSignError';
  }
}

/** True when `err` is a FleetSignError, optionally with the given code. */
export function isFleetSignError(err: unknown, code?: ErrorCode): err is FleetSignError {
  return err instanceof FleetSignError && (code === undefined || err.code === code);
}
