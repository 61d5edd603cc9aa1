import { type Env, parseEnvSettings } from '@fleetsign/config';
import { z } from 'zod';

// The one list of log levels every FleetSign process accepts in FLEETSIGN_LOG_LEVEL.

/** pino's levels, most severe first; 'silent' logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment variable that sets a process's log level. */
export const LOG_LEVEL_ENV = 'FLEETSIGN_LOG_LEVEL';

/** Schema of a log level setting; 'info' when unset. */
export const logLevelSchema = z.enum(LOG_LEVELS).default('info');

/** FLEETSIGN_LOG_LEVEL (info when unset); a bad value is a configuration error naming the setting. */
export function loadLogLevel(env: Env = process.env): LogLevel {
  return parseEnvSettings(z.object({ logLevel: logLevelSchema }), { logLevel: LOG_LEVEL_ENV }, env).logLevel;
}
