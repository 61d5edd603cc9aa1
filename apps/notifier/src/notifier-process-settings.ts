import { type Env, hostName, parseEnvSettings, wholeNumber } from '@fleetsign/config';
import { LOG_LEVEL_ENV, type LogLevel, logLevelSchema } from '@fleetsign/process-kit';
import { z } from 'zod';
import { DEFAULT_NOTIFIER_CONCURRENCY } from './start-notifier';

/** Settings of the notifier process itself (the delivery settings are loadNotifierConfig's). */
export interface NotifierProcessSettings {
  concurrency: number;
  /** Port of the /metrics + /healthz listener; 0 disables it. */
  metricsPort: number;
  metricsHost: string;
  logLevel: LogLevel;
}

export const NOTIFIER_PROCESS_ENV = {
  concurrency: 'FLEETSIGN_NOTIFIER_CONCURRENCY',
  metricsPort: 'FLEETSIGN_NOTIFIER_METRICS_PORT',
  metricsHost: 'FLEETSIGN_NOTIFIER_METRICS_HOST',
  logLevel: LOG_LEVEL_ENV,
} as const;

const processSchema = z.object({
  concurrency: wholeNumber(1, 1024).default(DEFAULT_NOTIFIER_CONCURRENCY),
  metricsPort: wholeNumber(0, 65535).default(9466),
  metricsHost: hostName().default('0.0.0.0'),
  logLevel: logLevelSchema,
});

/**
 * Process settings from FLEETSIGN_NOTIFIER_CONCURRENCY (16), FLEETSIGN_NOTIFIER_METRICS_PORT
 * (9466; 0 disables the listener), FLEETSIGN_NOTIFIER_METRICS_HOST (0.0.0.0) and
 * FLEETSIGN_LOG_LEVEL (info).
 */
export function loadNotifierProcessSettings(env: Env = process.env): NotifierProcessSettings {
  return parseEnvSettings(processSchema, NOTIFIER_PROCESS_ENV, env);
}
