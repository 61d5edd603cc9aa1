import { readFileSync } from 'node:fs';
import { type Env, type KeyConfig, resolveSecret } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createAwsKmsSigner } from './aws-kms';
import type { KeySigner } from './key-signer';
import { createPemSigner } from './pem/pem-signer';
import { openPkcs11Signer } from './pkcs11/pkcs11-signer';

// One way to open a key as the configuration file describes it, shared by the signer and
// by `fleetsign keys csr --config`: the same module, slot or token, key label/id, PIN file
// or variable, KMS key id and region.

/** What every key provider may need besides the key's own settings. */
export interface ConfiguredKeyOptions {
  /** Environment `pin_env` references are read from. */
  env: Env;
  /** PKCS#11 sessions per key when the key does not set `sessions`. */
  pkcs11Sessions: number;
  /** Hears each secret (a PIN) as it is read, so a caller can keep it out of every message. */
  onSecret?: (value: string) => void;
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
 * Opens one configured key; `at` names it in messages ('profiles[release].keys[0]').
 * pkcs11: the PIN is read now from its file or variable and never kept; pem: the
 * software key file; aws-kms: the SDK's default credential chain.
 */
export async function openConfiguredKey(key: KeyConfig, at: string, options: ConfiguredKeyOptions): Promise<KeySigner> {
  switch (key.provider) {
    case 'pkcs11': {
      const pin = resolveSecret(key.pin, options.env);
      options.onSecret?.(pin);
      return openPkcs11Signer({
        modulePath: key.modulePath,
        slot: key.slot,
        tokenLabel: key.tokenLabel,
        keyLabel: key.keyLabel,
        keyId: key.keyId,
        publicKeyLabel: key.publicKeyLabel,
        pin,
        sessions: key.sessions ?? options.pkcs11Sessions,
      });
    }
    case 'pem':
      return createPemSigner(readPem(key.path, at));
    case 'aws-kms':
      return createAwsKmsSigner({ keyId: key.keyId, region: key.region, endpoint: key.endpoint });
  }
}
