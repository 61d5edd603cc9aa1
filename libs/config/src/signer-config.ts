import { z } from 'zod';
import { type Env, parseEnvSettings, wholeNumber } from './env-settings';
import { MAX_IMAGE_BYTES_ENV, maxImageBytesSetting } from './gateway-config';

/** Signing worker settings. */
export interface SignerConfig {
  /** Jobs one signer process works on at once. */
  concurrency: number;
  /** PKCS#11 sessions opened per token (a key's own `sessions` overrides it). */
  pkcs11Sessions: number;
  /** Largest source image the signer streams in, in bytes. */
  maxImageBytes: number;
  /** How long a stopping signer waits for running jobs before closing keys. */
  shutdownTimeoutMs: number;
  /** How long a job keeps retrying infrastructure faults (store, HSM, KMS, Redis) before it fails for good. */
  retryHorizonMs: number;
  /** Longest wait between two retries: signing resumes at most this long after the part is back. */
  retryMaxDelayMs: number;
}

export const SIGNER_ENV = {
  concurrency: 'FLEETSIGN_SIGNER_CONCURRENCY',
  pkcs11Sessions: 'FLEETSIGN_PKCS11_SESSIONS',
  maxImageBytes: MAX_IMAGE_BYTES_ENV,
  shutdownTimeoutMs: 'FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS',
  retryHorizonSec: 'FLEETSIGN_RETRY_HORIZON_SEC',
  retryMaxDelayMs: 'FLEETSIGN_RETRY_MAX_DELAY_MS',
} as const;

/** Default retry horizon: an outage of the store or the HSM up to half an hour fails nothing. */
export const DEFAULT_RETRY_HORIZON_SEC = 1_800;

/**
 * Jobs a signer works on at once per PKCS#11 session when FLEETSIGN_SIGNER_CONCURRENCY
 * is not set: while one job's key signs, others fetch, check, store and record, so the
 * keys are kept busy.
 */
export const JOBS_PER_PKCS11_SESSION = 4;
const MAX_SIGNER_CONCURRENCY = 256;

const signerSchema = z.object({
  concurrency: wholeNumber(1, MAX_SIGNER_CONCURRENCY).optional(),
  pkcs11Sessions: wholeNumber(1, 64).default(4),
  maxImageBytes: maxImageBytesSetting,
  shutdownTimeoutMs: wholeNumber(0, 600_000).default(30_000),
  retryHorizonSec: wholeNumber(1, 7 * 24 * 3600).default(DEFAULT_RETRY_HORIZON_SEC),
  retryMaxDelayMs: wholeNumber(100, 600_000).default(30_000),
});

/**
 * Signer settings from FLEETSIGN_SIGNER_CONCURRENCY (JOBS_PER_PKCS11_SESSION per session: 16),
 * FLEETSIGN_PKCS11_SESSIONS (4), FLEETSIGN_MAX_IMAGE_BYTES (16MiB),
 * FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS (30000), FLEETSIGN_RETRY_HORIZON_SEC (1800) and
 * FLEETSIGN_RETRY_MAX_DELAY_MS (30000).
 */
export function loadSignerConfig(env: Env = process.env): SignerConfig {
  const { concurrency, retryHorizonSec, ...rest } = parseEnvSettings(signerSchema, SIGNER_ENV, env);
  return {
    ...rest,
    retryHorizonMs: retryHorizonSec * 1000,
    concurrency: concurrency ?? Math.min(MAX_SIGNER_CONCURRENCY, JOBS_PER_PKCS11_SESSION * rest.pkcs11Sessions),
  };
}
