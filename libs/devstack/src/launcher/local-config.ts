import type { SigningScheme } from '@fleetsign/secure-boot';
import { stringify } from 'yaml';

/** A signing profile on one key of a local PKCS#11 token. */
export interface LocalProfile {
  name: string;
  description?: string;
  scheme: SigningScheme;
  /** CKA_LABEL of the key on the token. */
  keyLabel: string;
  /** Chips allowed to receive images of this profile; absent: every chip. */
  allowedChips?: readonly string[];
}

/** What a one-tenant configuration file of a local installation refers to. */
export interface LocalConfigInput {
  token: {
    /** PKCS#11 module path (absolute). */
    modulePath: string;
    /** The token by label, or by slot id. */
    tokenLabel?: string;
    slot?: number;
    /** PIN file, relative to the configuration file's folder or absolute. */
    pinFile: string;
  };
  profiles: readonly LocalProfile[];
  tenant: string;
  /** Webhook secret file of the tenant (relative or absolute). */
  webhookSecretFile: string;
  apiKey: {
    id: string;
    description?: string;
    /** Hex SHA-256 of the bearer token; the token itself is never written here. */
    tokenSha256: string;
    scopes: readonly ('sign' | 'batch' | 'read' | 'audit' | 'operator')[];
  };
  /** The transparency log: its origin and checkpoint key (a key of the token by label, or a PEM file). */
  transparencyLog?: {
    origin: string;
    key: { tokenKeyLabel: string } | { pemFile: string };
    checkpointEvery?: number;
    checkpointIntervalS?: number;
  };
  /** First line(s) of the file, as YAML comments. */
  header?: string;
}

/**
 * The FleetSign configuration file (FLEETSIGN_CONFIG) of a local installation as YAML:
 * the profiles on one PKCS#11 token, one tenant and one API key for every profile. It
 * holds file references and a token hash, never a secret value.
 */
export function localConfigYaml(input: LocalConfigInput): string {
  const { token } = input;
  const tokenKey = (keyLabel: string) => ({
    provider: 'pkcs11',
    module: token.modulePath,
    ...(token.tokenLabel !== undefined ? { token_label: token.tokenLabel } : { slot: token.slot }),
    key_label: keyLabel,
    pin_file: token.pinFile,
  });
  const log = input.transparencyLog;
  const config = {
    version: 1,
    profiles: input.profiles.map((profile) => ({
      name: profile.name,
      ...(profile.description ? { description: profile.description } : {}),
      scheme: profile.scheme,
      keys: [tokenKey(profile.keyLabel)],
      ...(profile.allowedChips ? { allowed_chips: [...profile.allowedChips] } : {}),
      state: 'active',
    })),
    tenants: [{ name: input.tenant, webhook_secret_file: input.webhookSecretFile }],
    api_keys: [
      {
        id: input.apiKey.id,
        ...(input.apiKey.description ? { description: input.apiKey.description } : {}),
        token_sha256: input.apiKey.tokenSha256,
        tenant: input.tenant,
        profiles: input.profiles.map((profile) => profile.name),
        scopes: [...input.apiKey.scopes],
      },
    ],
    ...(log
      ? {
          transparency_log: {
            origin: log.origin,
            key: 'tokenKeyLabel' in log.key ? tokenKey(log.key.tokenKeyLabel) : { provider: 'pem', path: log.key.pemFile },
            ...(log.checkpointEvery !== undefined ? { checkpoint_every: log.checkpointEvery } : {}),
            ...(log.checkpointIntervalS !== undefined ? { checkpoint_interval_s: log.checkpointIntervalS } : {}),
          },
        }
      : {}),
  };
  const header = input.header ? `${input.header.replace(/^/gm, '# ')}\n` : '';
  return `${header}${stringify(config)}`;
}
