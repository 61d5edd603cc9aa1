import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './log-levels';

// The one pino logger factory of the FleetSign processes: JSON lines, errors with
// their stack, and the paths a process names blanked out wherever they appear.

/** What differs between the processes' loggers. */
export interface ProcessLoggerOptions {
  /** The process name in every line, e.g. 'fleetsign-signer'. */
  name: string;
  level?: LogLevel;
  /** Paths blanked out as '[Redacted]' (credentials, secrets, bodies). */
  redact: readonly string[];
  /** Extra serializers, e.g. the gateway's request serializer. */
  serializers?: Record<string, (value: never) => unknown>;
}

/** A pino logger for a FleetSign process (stdout unless `destination` is given). */
export function createProcessLogger(options: ProcessLoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: [...options.redact], censor: '[Redacted]' },
      serializers: {
        ...(options.serializers as Record<string, pino.SerializerFn>),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
