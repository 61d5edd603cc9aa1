import {
  type Env,
  type FleetSignConfig,
  hostName,
  loadFleetSignConfig,
  loadRedisConfig,
  loadSignerConfig,
  loadStorageConfig,
  parseEnvSettings,
  type RedisConfig,
  type SignerConfig,
  type StorageConfig,
  wholeNumber,
} from '@fleetsign/config';
import { LOG_LEVEL_ENV, type LogLevel, logLevelSchema } from '@fleetsign/process-kit';
import { queuePrefix } from '@fleetsign/queue';
import { z } from 'zod';


/** Where the /metrics + /healthz listener binds; port 0 picks a free port (tests). */
export interface MetricsListen {
  port: number;
  host: string;
}

/** Settings of the signer process itself; the signing settings are loadSignerConfig's. */
export interface SignerProcessSettings {
  /** The metrics/health listener; undefined when FLEETSIGN_SIGNER_METRICS_PORT is 0. */
  metrics?: MetricsListen;
  logLevel: LogLevel;
  /**
   * BullMQ job lock, renewed every half of it: a signer that stops renewing it (killed)
   * loses its jobs at most this long after it died.
   */
  lockDurationMs: number;
  /**
   * How often the workers look for jobs whose lock expired and put them back in the
   * queue: another signer takes a killed signer's jobs within lockDurationMs + this.
   */
  stalledIntervalMs: number;
  /** Least time between two attempts to open a profile whose keys failed for a transient reason. */
  profileRetryMs: number;
}

export const SIGNER_PROCESS_ENV = {
  metricsPort: 'FLEETSIGN_SIGNER_METRICS_PORT',
  metricsHost: 'FLEETSIGN_SIGNER_METRICS_HOST',
  logLevel: LOG_LEVEL_ENV,
  lockDurationMs: 'FLEETSIGN_SIGNER_LOCK_DURATION_MS',
  stalledIntervalMs: 'FLEETSIGN_SIGNER_STALLED_INTERVAL_MS',
  profileRetryMs: 'FLEETSIGN_SIGNER_PROFILE_RETRY_MS',
} as const;

/**
 * Takeover after a signer dies: its locks (renewed every 4 s) expire within 8 s and a
 * stalled check runs every 3 s, so another signer has its jobs within about 11 s (the
 * 15 s bound). Shorter locks would risk a busy but living signer losing its jobs.
 */
export const DEFAULT_LOCK_DURATION_MS = 8_000;
export const DEFAULT_STALLED_INTERVAL_MS = 3_000;

/** Default port of the signer's metrics/health listener (gateway 3000, notifier 9466). */
export const DEFAULT_SIGNER_METRICS_PORT = 9465;

const processSchema = z.object({
  metricsPort: wholeNumber(0, 65535).default(DEFAULT_SIGNER_METRICS_PORT),
  metricsHost: hostName().default('0.0.0.0'),
  logLevel: logLevelSchema,
  lockDurationMs: wholeNumber(1_000, 600_000).default(DEFAULT_LOCK_DURATION_MS),
  stalledIntervalMs: wholeNumber(1_000, 600_000).default(DEFAULT_STALLED_INTERVAL_MS),
  profileRetryMs: wholeNumber(0, 3_600_000).default(30_000),
});

/**
 * Process settings from FLEETSIGN_SIGNER_METRICS_PORT (9465; 0 disables the listener),
 * FLEETSIGN_SIGNER_METRICS_HOST (0.0.0.0), FLEETSIGN_LOG_LEVEL (info),
 * FLEETSIGN_SIGNER_LOCK_DURATION_MS (8000), FLEETSIGN_SIGNER_STALLED_INTERVAL_MS (3000)
 * and FLEETSIGN_SIGNER_PROFILE_RETRY_MS (30000).
 */
export function loadSignerProcessSettings(env: Env = process.env): SignerProcessSettings {
  const { metricsPort, metricsHost, ...rest } = parseEnvSettings(processSchema, SIGNER_PROCESS_ENV, env);
  return { ...rest, ...(metricsPort === 0 ? {} : { metrics: { port: metricsPort, host: metricsHost } }) };
}

/** Everything the signer runs on. Secrets are still references here. */
export interface SignerSettings {
  /** Profiles (with key references) from FLEETSIGN_CONFIG. */
  fleet: FleetSignConfig;
  redis: RedisConfig;
  storage: StorageConfig;
  signer: SignerConfig;
  process: SignerProcessSettings;
  /** Environment PIN variables (`pin_env`) and storage secrets are read from. */
  env: Env;
}

/** Replacements for parts of the loaded settings (tests, embedding). */
export interface SignerSettingsOverrides {
  fleet?: FleetSignConfig;
  redis?: Partial<RedisConfig>;
  storage?: StorageConfig;
  signer?: Partial<SignerConfig>;
  /** `metrics: undefined` turns the listener off. */
  process?: Partial<SignerProcessSettings>;
}

/** Where settings come from. */
export interface SignerSettingsSource {
  /** Configuration file; default $FLEETSIGN_CONFIG. */
  configPath?: string;
  /** Default process.env. */
  env?: Env;
  overrides?: SignerSettingsOverrides;
}

/**
 * Loads and validates every setting the signer needs; each problem is
 * FleetSignError(InvalidConfig) naming the setting. The configuration file is loaded
 * with key-reference checks (module, PEM and PIN files exist), without reading PINs.
 */
export function loadSignerSettings(source: SignerSettingsSource = {}): SignerSettings {
  const env = source.env ?? process.env;
  const overrides = source.overrides ?? {};
  const fleet = overrides.fleet ?? loadFleetSignConfig(source.configPath, env, { checkKeyReferences: true });
  const redis = { ...loadRedisConfig(env), ...overrides.redis };
  return {
    fleet,
    redis: { ...redis, prefix: queuePrefix(redis.prefix) },
    storage: overrides.storage ?? loadStorageConfig(env),
    signer: { ...loadSignerConfig(env), ...overrides.signer },
    process: { ...loadSignerProcessSettings(env), ...overrides.process },
    env,
  };
}
