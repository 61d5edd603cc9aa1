import { FleetSignError } from '@fleetsign/errors';
import { stringify } from 'yaml';
import { type FleetSignConfigChecks, parseFleetSignConfig } from '../config-file';
import type { FleetSignConfig } from '../config-types';
import type { Env } from '../env-settings';

type Entry = Record<string, unknown>;

/** Configuration file content as plain, freely editable data. */
export interface ConfigData {
  [setting: string]: unknown;
  profiles: Array<Entry & { keys: Entry[] }>;
  tenants: Entry[];
  api_keys: Entry[];
}

/** A small valid configuration as plain data; each spec breaks one thing in a copy. */
export function validConfigData(): ConfigData {
  return {
    version: 1,
    profiles: [
      {
        name: 'rsa-prod',
        scheme: 'sbv2-rsa3072',
        keys: [
          {
            provider: 'pkcs11',
            module: '/usr/lib/softhsm/libsofthsm2.so',
            token_label: 'fwsign',
            key_label: 'fw-rsa-3072',
            pin_file: 'pins/fwsign',
          },
          { provider: 'aws-kms', key_id: 'alias/fw-rsa', region: 'eu-west-1' },
        ],
        allowed_chips: ['esp32s3', 'ESP32-C3'],
        state: 'active',
      },
      {
        name: 'v1',
        scheme: 'sbv1-ecdsa-p256',
        keys: [{ provider: 'pem', path: 'keys/v1.pem' }],
        state: 'revoked',
      },
    ],
    tenants: [{ name: 'acme', webhook_secret_env: 'ACME_WEBHOOK_SECRET' }, { name: 'ops' }],
    api_keys: [
      {
        id: 'ci',
        token_sha256: 'A'.repeat(64),
        tenant: 'acme',
        profiles: ['rsa-prod'],
        scopes: ['sign', 'read'],
      },
      { id: 'admin', token_sha256: 'b'.repeat(64), tenant: 'ops', profiles: ['*'], scopes: ['admin'] },
    ],
  };
}

/** Parses `data` as if it were the file fleetsign.yaml in `baseDir`. */
export function parseData(
  data: unknown,
  options: FleetSignConfigChecks & { baseDir?: string; env?: Env } = {},
): FleetSignConfig {
  return parseFleetSignConfig(stringify(data), {
    source: 'fleetsign.yaml',
    baseDir: '/etc/fleetsign',
    ...options,
  });
}

/** The FleetSignError message `fn` throws; fails the test when it throws anything else or nothing. */
export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetSignError && err.code === 'INVALID_CONFIG') return err.message;
    throw err;
  }
  throw new Error('expected FleetSignError(InvalidConfig), nothing was thrown');
}
