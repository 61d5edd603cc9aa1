import { readFileSync } from 'node:fs';
import { type Env, type KeyConfig, resolveSecret } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createPemSigner, type KeySigner, openPkcs11Signer } from '@fleetsign/keys';
import { createAwsKmsSigner } from '@fleetsign/keys/aws-kms';

/** Opens one configured key; `at` names it in messages ('profiles[release].keys[0]'). */
export type KeyOpener = (key: KeyConfig, at: string) => Promise<KeySigner>;

/** What every key provider may need besides the key's own settings. */
export interface KeyOpenerOptions {
  /** Environment `pin_env` references are read from. */
  env: Env;
  /** PKCS#11 sessions per key when the key does not set `sessions`. */
  pkcs11Sessions: number;
}

function readPem(path: string, at: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new FleetSignError(ErrorCode.InvalidConfig, `${at}.path: cannot read the PEM key file ${path} (${code})`, {
      setting: `${at}.path`,
    });
  }
}

/**
 * The key opener for the three providers: pkcs11 (PIN read now from its file or
 * variable, never kept in settings), pem (software key file) and aws-kms.
 */
export function createKeyOpener(options: KeyOpenerOptions): KeyOpener {
  return async (key, at) => {
    switch (key.provider) {
      case 'pkcs11':
        return openPkcs11Signer({
          modulePath: key.modulePath,
          slot: key.slot,
          tokenLabel: key.tokenLabel,
          keyLabel: key.keyLabel,
          keyId: key.keyId,
          publicKeyLabel: key.publicKeyLabel,
          pin: resolveSecret(key.pin, options.env),
          sessions: key.sessions ?? options.pkcs11Sessions,
        });
      case 'pem':
        return createPemSigner(readPem(key.path, at));
      case 'aws-kms':
        return createAwsKmsSigner({ keyId: key.keyId, region: key.region, endpoint: key.endpoint });
    }
  };
}
