import type { Env, KeyConfig } from '@fleetsign/config';
import type { KeySigner } from '@fleetsign/keys';
import { openConfiguredKey } from '@fleetsign/keys/configured-key';

/** Opens one configured key; `at` names it in messages ('profiles[release].keys[0]'). */
export type KeyOpener = (key: KeyConfig, at: string) => Promise<KeySigner>;

/** What every key provider may need besides the key's own settings. */
export interface KeyOpenerOptions {
  /** Environment `pin_env` references are read from. */
  env: Env;
  /** PKCS#11 sessions per key when the key does not set `sessions`. */
  pkcs11Sessions: number;
}

/**
 * The key opener for the three providers: pkcs11 (PIN read now from its file or
 * variable, never kept in settings), pem (software key file) and aws-kms; the same
 * opening `fleetsign keys csr --config` does.
 */
export function createKeyOpener(options: KeyOpenerOptions): KeyOpener {
  return (key, at) => openConfiguredKey(key, at, options);
}
