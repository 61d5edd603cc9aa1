import { z } from 'zod';
import { byteSize, type Env, hostName, httpUrl, parseEnvSettings, wholeNumber } from './env-settings';

/** Largest firmware image any FleetSign process accepts unless configured otherwise: 16 MiB, the largest common flash. */
export const DEFAULT_MAX_IMAGE_BYTES = 16 * 1024 * 1024;
/** Upper bound for FLEETSIGN_MAX_IMAGE_BYTES, to catch a mistyped unit. */
export const MAX_IMAGE_BYTES_LIMIT = 256 * 1024 * 1024;

/** FLEETSIGN_MAX_IMAGE_BYTES: read by the gateway (direct uploads) and the signer (streamed sources) alike. */
export const MAX_IMAGE_BYTES_ENV = 'FLEETSIGN_MAX_IMAGE_BYTES';

/** The schema of FLEETSIGN_MAX_IMAGE_BYTES, shared by the gateway and signer settings. */
export const maxImageBytesSetting = byteSize(1024, MAX_IMAGE_BYTES_LIMIT).default(DEFAULT_MAX_IMAGE_BYTES);

/** HTTP API process settings. */
export interface GatewayConfig {
  port: number;
  /** Interface to listen on. */
  host: string;
  /** Largest JSON request body, in bytes. */
  bodyLimit: number;
  /** Largest image accepted on the direct-upload route, in bytes. */
  maxImageBytes: number;
  /** Base URL clients reach the gateway at (links in responses), without a trailing slash. */
  publicBaseUrl: string;
  /** Largest POST /v1/batches body, in bytes (10,000 items need more than a job body). */
  batchBodyLimit: number;
  /** Batch items per fair-share slice: each slice of a tenant's backlog waits one priority step longer. */
  batchFairShareSlice: number;
  /** Object store folder of the intake records of accepted jobs and batches (reconciled after a Redis loss). */
  intakePrefix: string;
}

export const GATEWAY_ENV = {
  port: 'FLEETSIGN_GATEWAY_PORT',
  host: 'FLEETSIGN_GATEWAY_HOST',
  bodyLimit: 'FLEETSIGN_GATEWAY_BODY_LIMIT',
  maxImageBytes: MAX_IMAGE_BYTES_ENV,
  publicBaseUrl: 'FLEETSIGN_PUBLIC_BASE_URL',
  batchBodyLimit: 'FLEETSIGN_GATEWAY_BATCH_BODY_LIMIT',
  batchFairShareSlice: 'FLEETSIGN_BATCH_FAIR_SHARE_SLICE',
  intakePrefix: 'FLEETSIGN_INTAKE_PREFIX',
} as const;

const gatewaySchema = z.object({
  port: wholeNumber(1, 65535).default(3000),
  host: hostName().default('0.0.0.0'),
  bodyLimit: byteSize(1024, 64 * 1024 * 1024).default(1024 * 1024),
  maxImageBytes: maxImageBytesSetting,
  publicBaseUrl: httpUrl().optional(),
  batchBodyLimit: byteSize(1024, 256 * 1024 * 1024).default(8 * 1024 * 1024),
  batchFairShareSlice: wholeNumber(1, 1_000_000).default(100),
  intakePrefix: z
    .string()
    .regex(/^([A-Za-z0-9._-]+\/)+$/, 'must be folder names each ending in "/"')
    .default('intake/'),
});

/**
 * Gateway settings from FLEETSIGN_GATEWAY_PORT (3000), FLEETSIGN_GATEWAY_HOST (0.0.0.0),
 * FLEETSIGN_GATEWAY_BODY_LIMIT (1MiB), FLEETSIGN_MAX_IMAGE_BYTES (16MiB),
 * FLEETSIGN_PUBLIC_BASE_URL (http://127.0.0.1:<port>), FLEETSIGN_GATEWAY_BATCH_BODY_LIMIT (8MiB)
 * FLEETSIGN_BATCH_FAIR_SHARE_SLICE (100) and FLEETSIGN_INTAKE_PREFIX (intake/).
 */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const settings = parseEnvSettings(gatewaySchema, GATEWAY_ENV, env);
  return { ...settings, publicBaseUrl: settings.publicBaseUrl ?? `http://127.0.0.1:${settings.port}` };
}
