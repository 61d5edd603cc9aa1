import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { chipByName } from '@fleetsign/secure-boot';
import { parseDocument } from 'yaml';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { invalidConfig, problemsFromZod, settingErrorMap } from './config-error';
import { crossCheckConfig } from './config-checks';
import type { FleetSignConfig, KeyConfig, ProfileConfig, TenantConfig } from './config-types';
import { type Env, ENV_SOURCE, readEnv } from './env-settings';
import { type ConfigFile, configFileSchema, type KeyEntry } from './file-schema';
import { toIdentityConfig, toTenantQuotas } from './identity-schema';
import { findInlineSecrets } from './inline-secrets';
import { parseDurationMs, toAntiRollbackConfig, toUsageLimitConfig } from './policy-schema';
import { toApprovalConfig } from './approval-schema';
import { toLifecycleConfig } from './lifecycle-schema';
import { assertReadableFile, assertSecretAvailable, type SecretRef } from './secret-ref';

/** Environment variable holding the configuration file's path. */
export const CONFIG_PATH_ENV = 'FLEETSIGN_CONFIG';

/** What to check at load time besides the file itself. */
export interface FleetSignConfigChecks {
  /**
   * Check that every key's module, PEM and PIN files exist and PIN variables are set,
   * without reading them: the signer turns this on; the gateway, which has no keys, does not.
   */
  checkKeyReferences?: boolean;
  /** Check that every tenant's webhook secret file exists or variable is set (the notifier). */
  checkWebhookSecrets?: boolean;
}

/** Where parsed text came from: relative paths in it are resolved against `baseDir`. */
export interface FleetSignConfigSource extends FleetSignConfigChecks {
  /** Name used in messages, normally the file path. */
  source: string;
  baseDir: string;
  /** Environment for the checks of *_env references (default process.env). */
  env?: Env;
}

/** Parses YAML into plain data; syntax errors become one line without quoting file content. */
function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    const line = error.message.split('\n')[0].replace(/\s*at line \d+, column \d+:?$/, '');
    const at = error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'YAML';
    // File content may hold anything; quoted fragments are dropped from the message.
    throw invalidConfig(source, [
      { setting: at, problem: `invalid YAML: ${line.replace(/"[^"]*"/g, '"…"')}` },
    ]);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw invalidConfig(source, [{ setting: '', problem: `invalid YAML: ${(err as Error).message}` }]);
  }
}

function absolutePath(path: string, baseDir: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** A bare module name ('libsofthsm2.so') is left to the dynamic loader's search path. */
function modulePath(module: string, baseDir: string): string {
  return module.includes('/') ? absolutePath(module, baseDir) : module;
}

function secretRef(
  file: string | undefined,
  envName: string | undefined,
  settingBase: string,
  fileKey: string,
  envKey: string,
  from: FleetSignConfigSource,
): SecretRef | undefined {
  if (file !== undefined) {
    return {
      source: 'file',
      path: absolutePath(file, from.baseDir),
      origin: from.source,
      setting: `${settingBase}.${fileKey}`,
    };
  }
  if (envName !== undefined)
    return { source: 'env', name: envName, origin: from.source, setting: `${settingBase}.${envKey}` };
  return undefined;
}

function toKeyConfig(key: KeyEntry, at: string, from: FleetSignConfigSource, withLifecycle = true): KeyConfig {
  // An active key with no validity bounds (every key before lifecycles existed) carries none.
  const configured = withLifecycle ? toLifecycleConfig(key) : undefined;
  const lifecycle = configured && (configured.state !== 'active' || Object.keys(configured).length > 1) ? { lifecycle: configured } : {};
  if (key.provider === 'pem') return { provider: 'pem', path: absolutePath(key.path, from.baseDir), ...lifecycle };
  if (key.provider === 'aws-kms') {
    return { provider: 'aws-kms', keyId: key.key_id, region: key.region, endpoint: key.endpoint, ...lifecycle };
  }
  // The schema guarantees exactly one of pin_file / pin_env.
  const pin = secretRef(key.pin_file, key.pin_env, at, 'pin_file', 'pin_env', from) as SecretRef;
  return {
    provider: 'pkcs11',
    modulePath: modulePath(key.module, from.baseDir),
    slot: key.slot,
    tokenLabel: key.token_label,
    keyLabel: key.key_label,
    keyId: key.key_id?.toLowerCase(),
    publicKeyLabel: key.pub_label,
    pin,
    sessions: key.sessions,
    ...lifecycle,
  };
}

function checkKeyReferences(key: KeyConfig, at: string, from: FleetSignConfigSource): void {
  if (key.provider === 'pem') assertReadableFile(key.path, from.source, `${at}.path`);
  if (key.provider !== 'pkcs11') return;
  if (key.modulePath.includes('/')) assertReadableFile(key.modulePath, from.source, `${at}.module`);
  assertSecretAvailable(key.pin, from.env);
}

/** A profile's certificate settings with absolute paths (checked readable for the signer). */
function certificatePolicyOf(profile: ConfigFile['profiles'][number], at: string, from: FleetSignConfigSource): Pick<ProfileConfig, 'certificates'> {
  if (profile.trust_anchors_file === undefined) return {};
  const file = (path: string, setting: string) => {
    const absolute = absolutePath(path, from.baseDir);
    if (from.checkKeyReferences) assertReadableFile(absolute, from.source, `${at}.${setting}`);
    return absolute;
  };
  return {
    certificates: {
      trustAnchorsFile: file(profile.trust_anchors_file, 'trust_anchors_file'),
      ...(profile.crl_file !== undefined ? { crlFile: file(profile.crl_file, 'crl_file') } : {}),
      minRemainingValidityMs: profile.min_remaining_validity === undefined ? 0 : parseDurationMs(profile.min_remaining_validity),
      // The schema requires certificate_file on every key once trust_anchors_file is set.
      certificateFiles: profile.keys.map((key, k) => file(key.certificate_file as string, `keys[${k}].certificate_file`)),
    },
  };
}

/** The profile's per-key usage limits, when any key has one. */
function usageLimitsOf(profile: ConfigFile['profiles'][number]): Pick<ProfileConfig, 'usageLimits'> {
  if (!profile.keys.some((key) => key.usage_limit !== undefined)) return {};
  return { usageLimits: profile.keys.map((key) => (key.usage_limit ? toUsageLimitConfig(key.usage_limit) : undefined)) };
}

function toFleetSignConfig(file: ConfigFile, from: FleetSignConfigSource): FleetSignConfig {
  const profiles = file.profiles.map((profile, i): ProfileConfig => {
    const keys = profile.keys.map((key, k) => toKeyConfig(key, `profiles[${i}].keys[${k}]`, from));
    if (from.checkKeyReferences)
      keys.forEach((key, k) => checkKeyReferences(key, `profiles[${i}].keys[${k}]`, from));
    const chips = profile.allowed_chips?.map((name) => chipByName(name)?.name ?? name);
    return {
      name: profile.name,
      scheme: profile.scheme,
      keys,
      allowedChips: chips && [...new Set(chips)],
      state: profile.state,
      ...(profile.revoked_at !== undefined ? { revokedAt: Date.parse(profile.revoked_at) } : {}),
      description: profile.description,
      ...(profile.anti_rollback ? { antiRollback: toAntiRollbackConfig(profile.anti_rollback) } : {}),
      ...certificatePolicyOf(profile, `profiles[${i}]`, from),
      ...usageLimitsOf(profile),
      ...(profile.approval ? { approval: toApprovalConfig(profile.approval) } : {}),
    };
  });
  const tenants = file.tenants.map((tenant, i): TenantConfig => {
    const at = `tenants[${i}]`;
    const webhookSecret = secretRef(
      tenant.webhook_secret_file,
      tenant.webhook_secret_env,
      at,
      'webhook_secret_file',
      'webhook_secret_env',
      from,
    );
    if (webhookSecret && from.checkWebhookSecrets) assertSecretAvailable(webhookSecret, from.env);
    return {
      name: tenant.name,
      webhookSecret,
      description: tenant.description,
      ...(tenant.quotas ? { quotas: toTenantQuotas(tenant.quotas) } : {}),
    };
  });
  const apiKeys = file.api_keys.map((key) => ({
    id: key.id,
    tokenSha256: key.token_sha256,
    tenant: key.tenant,
    profiles: [...new Set(key.profiles)],
    scopes: [...new Set(key.scopes)],
    description: key.description,
  }));
  const log = file.transparency_log;
  const transparencyLog = log && {
    origin: log.origin,
    key: toKeyConfig(log.key, 'transparency_log.key', from, false),
    checkpointEvery: log.checkpoint_every,
    checkpointIntervalMs: log.checkpoint_interval_s * 1000,
    storePrefix: log.store_prefix,
  };
  if (transparencyLog && from.checkKeyReferences) checkKeyReferences(transparencyLog.key, 'transparency_log.key', from);
  const identities = file.identities.map(toIdentityConfig);
  return {
    source: from.source,
    profiles,
    apiKeys,
    tenants,
    ...(identities.length ? { identities } : {}),
    ...(transparencyLog ? { transparencyLog } : {}),
  };
}

/**
 * Validates configuration text (YAML) and returns the typed configuration. Every
 * failure is FleetSignError(InvalidConfig) with a one-line message naming the setting,
 * e.g. `fleetsign.yaml: profiles[2].keys[0].pin_file: file not found (/run/pins/hsm)`.
 */
export function parseFleetSignConfig(text: string, from: FleetSignConfigSource): FleetSignConfig {
  const data = parseYaml(text, from.source);
  const inline = findInlineSecrets(data);
  if (inline.length) throw invalidConfig(from.source, inline);
  const parsed = configFileSchema.safeParse(data ?? {}, { error: settingErrorMap });
  if (!parsed.success) throw invalidConfig(from.source, problemsFromZod(parsed.error));
  const problems = crossCheckConfig(parsed.data);
  if (problems.length) throw invalidConfig(from.source, problems);
  return toFleetSignConfig(parsed.data, from);
}

/**
 * Reads and validates the configuration file at `path` (default: $FLEETSIGN_CONFIG).
 * Relative paths inside it are relative to the file's directory. Secrets stay
 * references; read one with resolveSecret when it is needed.
 */
export function loadFleetSignConfig(
  path: string | undefined,
  env: Env = process.env,
  checks: FleetSignConfigChecks = {},
): FleetSignConfig {
  const file = path ?? readEnv(env, CONFIG_PATH_ENV);
  if (!file) {
    throw invalidConfig(ENV_SOURCE, [
      { setting: CONFIG_PATH_ENV, problem: 'is required: the path of the FleetSign configuration file' },
    ]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FleetSignError(
      ErrorCode.InvalidConfig,
      `${file}: cannot read the configuration file (${code === 'ENOENT' ? 'file not found' : (code ?? String(err))})`,
      { source: file },
    );
  }
  return parseFleetSignConfig(text, { ...checks, source: file, baseDir: dirname(resolve(file)), env });
}
