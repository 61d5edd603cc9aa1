import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateApiToken } from '@fleetsign/config';
import type { SigningScheme } from '@fleetsign/secure-boot';
import { stringify } from 'yaml';
import { newWebhookSecret } from '../../integration/notifier/notifier-test-kit';
import { type TokenKeyName, tokenKey } from '../../integration/signer/signer-test-kit';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';

// The one configuration file (FLEETSIGN_CONFIG) an end-to-end stack runs on: the gateway,
// the signer and the notifier all read it, as in a deployment.

/** A signing profile on keys of the shared SoftHSM test token. */
export interface E2eProfile {
  name: string;
  scheme: SigningScheme;
  keys: TokenKeyName[];
  allowedChips?: string[];
  /** 'wrong': the key's pin_file holds a PIN the token refuses. */
  pin?: 'right' | 'wrong';
  /** The profile's `anti_rollback` setting, as written in the file. */
  antiRollback?: { min_secure_version?: number; monotonic?: boolean; max_step?: number };
  /** Certificate settings: `certificate_file` of every key and the profile's anchors, CRL and minimum validity. */
  certificates?: { certificateFile: string; trustAnchorsFile: string; crlFile?: string; minRemainingValidity?: string };
  /** `usage_limit` of every key, as written in the file. */
  usageLimit?: { max_signatures?: number; window?: string; max?: number };
}

/** Settings of the stack's one API key. */
export interface E2eApiKeyOptions {
  /** Default: sign and read. */
  scopes?: string[];
  /** `identities` entries (CI identities, OIDC) for the stack's tenant, as written in the file. */
  identities?: (tenant: string) => Array<Record<string, unknown>>;
}

/** A PIN the test token does not have; it must never appear in any output. */
export const WRONG_PIN = '97531864';

/** The written configuration and the identities in it. */
export interface E2eConfig {
  /** Temp directory holding the file, the PIN files and the webhook secret. */
  dir: string;
  configPath: string;
  tenant: string;
  /** Bearer token of the tenant's API key (scopes sign and read, every profile). */
  token: string;
  /** The tenant's `whsec_` webhook secret, as a receiver holds it. */
  webhookSecret: string;
  /** The stack's own transparency log (folder in the store, log key). */
  log: TestLog;
}

function writeSecretFile(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

/** Writes a configuration with one tenant (webhook secret in a file), one API key and `profiles`. */
export function writeE2eConfig(name: string, profiles: E2eProfile[], apiKey: E2eApiKeyOptions = {}): E2eConfig {
  const dir = mkdtempSync(join(requireTestEnv('tmpRoot'), `e2e-${name}-`));
  const pins = {
    right: writeSecretFile(dir, 'token.pin', `${requireTestEnv('tokenPin')}\n`),
    wrong: writeSecretFile(dir, 'wrong.pin', `${WRONG_PIN}\n`),
  };
  const tenant = `e2e-${name}-${randomBytes(3).toString('hex')}`;
  const { token, tokenSha256 } = generateApiToken();
  const webhookSecret = newWebhookSecret();
  const log = new TestLog();
  const file = {
    version: 1,
    profiles: profiles.map((profile) => ({
      name: profile.name,
      scheme: profile.scheme,
      keys: profile.keys.map((key) => ({
        ...tokenKey(key, pins[profile.pin ?? 'right']),
        ...(profile.certificates ? { certificate_file: profile.certificates.certificateFile } : {}),
        ...(profile.usageLimit ? { usage_limit: profile.usageLimit } : {}),
      })),
      ...(profile.certificates
        ? {
            trust_anchors_file: profile.certificates.trustAnchorsFile,
            ...(profile.certificates.crlFile ? { crl_file: profile.certificates.crlFile } : {}),
            ...(profile.certificates.minRemainingValidity ? { min_remaining_validity: profile.certificates.minRemainingValidity } : {}),
          }
        : {}),
      ...(profile.allowedChips ? { allowed_chips: profile.allowedChips } : {}),
      ...(profile.antiRollback ? { anti_rollback: profile.antiRollback } : {}),
      state: 'active',
    })),
    tenants: [{ name: tenant, webhook_secret_file: writeSecretFile(dir, 'webhook.secret', `${webhookSecret}\n`) }],
    api_keys: [{ id: 'e2e-ci', token_sha256: tokenSha256, tenant, profiles: ['*'], scopes: apiKey.scopes ?? ['sign', 'read'] }],
    ...(apiKey.identities ? { identities: apiKey.identities(tenant) } : {}),
    transparency_log: log.configSection(dir),
  };
  const configPath = join(dir, 'fleetsign.yaml');
  writeFileSync(configPath, stringify(file));
  return { dir, configPath, tenant, token, webhookSecret, log };
}
