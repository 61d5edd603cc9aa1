import type { ProcessLoggerOptions } from '@fleetsign/process-kit';

/**
 * Paths pino blanks out should they ever reach a log line. The notifier logs neither
 * secrets, signatures nor bodies; this is the safety net.
 */
export const REDACTED_PATHS = ['secret', 'secrets', '*.secret', 'headers', '*.headers', 'body', '*.body', 'signature'];

/** The notifier's logger (createProcessLogger): JSON lines, secrets, headers and bodies redacted. */
export const NOTIFIER_LOGGER: ProcessLoggerOptions = { name: 'fleetsign-notifier', redact: REDACTED_PATHS };
