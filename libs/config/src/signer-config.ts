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
}

export const SIGNER_ENV = {
  concurrency: 'FLEETSIGN_SIGNER_CONCURRENCY',
  pkcs11Sessions: 'FLEETSIGN_PKCS11_SESSIONS',
  maxImageBytes: MAX_IMAGE_BYTES_ENV,
  shutdownTimeoutMs: 'FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS',
} as const;

const signerSchema = z.object({
  concurrency: wholeNumber(1, 256).default(4),
  pkcs11Sessions: wholeNumber(1, 64).default(4),
  maxImageBytes: maxImageBytesSetting,
  shutdownTimeoutMs: wholeNumber(0, 600_000).default(30_000),
});

/**
 * Signer settings from FLEETSIGN_SIGNER_CONCURRENCY (4), FLEETSIGN_PKCS11_SESSIONS (4),
 * FLEETSIGN_MAX_IMAGE_BYTES (16MiB) and FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS (30000).
 */
export function loadSignerConfig(env: Env = process.env): SignerConfig {
  return parseEnvSettings(signerSchema, SIGNER_ENV, env);
}
