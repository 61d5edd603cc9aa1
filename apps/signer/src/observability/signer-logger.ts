import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../settings/signer-settings';

/**
 * Paths pino blanks out should they ever reach a log line. The signer logs no PINs,
 * keys or image bytes; this is the safety net.
 */
export const REDACTED_PATHS = ['pin', '*.pin', 'secret', '*.secret', 'credentials', '*.credentials', 'privateKey', '*.privateKey', 'data', 'image'];

/** The signer's pino logger: JSON lines, secrets redacted. */
export function createSignerLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'fleetsign-signer',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
