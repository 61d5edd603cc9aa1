import type { ProcessLoggerOptions } from '@fleetsign/process-kit';

/**
 * Paths pino blanks out should they ever reach a log line. The signer logs no PINs,
 * keys or image bytes; this is the safety net.
 */
export const REDACTED_PATHS = ['pin', '*.pin', 'secret', '*.secret', 'credentials', '*.credentials', 'privateKey', '*.privateKey', 'data', 'image'];

/** The signer's logger (createProcessLogger): JSON lines, secrets redacted. */
export const SIGNER_LOGGER: ProcessLoggerOptions = { name: 'fleetsign-signer', redact: REDACTED_PATHS };
