import pino, { type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

/**
 * Paths pino blanks out should they ever reach a log line. The notifier logs neither
 * secrets, signatures nor bodies; this is the safety net.
 */
export const REDACTED_PATHS = ['secret', 'secrets', '*.secret', 'headers', '*.headers', 'body', '*.body', 'signature'];

/** The notifier's pino logger: JSON lines, secrets, headers and bodies redacted. */
export function createNotifierLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'fleetsign-notifier',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
