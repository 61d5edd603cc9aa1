import { generateApiToken, loadFleetSignConfig } from '@fleetsign/config';
import {
  ensureSoftHsmToken,
  FLEET_ROLES,
  readOrCreateSecretFile,
  type SoftHsmTokenInfo,
  writeFileAtomic,
} from '@fleetsign/devstack';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { DEMO_TOKEN_KEYS, DEMO_TOKEN_LABEL, demoConfigYaml } from './demo-config';
import type { DemoPaths } from './demo-paths';

/** What one run prepared: the token, this run's API token and the webhook secret the receiver checks. */
export interface DemoSetup {
  token: SoftHsmTokenInfo;
  /** Bearer token for this run only; the configuration holds just its SHA-256. */
  apiToken: string;
  /** `whsec_...` secret the notifier signs events with. */
  webhookSecret: string;
}

/** A new user PIN for the demo token (the token dir is private to the user, so 128 bits is plenty). */
function newPin(): string {
  return randomBytes(16).toString('hex');
}

/** A Standard Webhooks secret: whsec_ and 32 random bytes in base64. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** HMAC key of presigned fs-store URLs (at least 32 characters). */
function newFsSigningSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** Creates the demo's folders; the ones holding secrets or keys are private to the user. */
async function makeDirectories(paths: DemoPaths): Promise<void> {
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  for (const dir of [paths.secretsDir, paths.softHsmDir, paths.objectsDir, paths.redisDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  await mkdir(paths.logsDir, { recursive: true });
  await mkdir(paths.outDir, { recursive: true });
}

/**
 * Prepares everything the services read: secrets (kept across runs, 0600), the
 * SoftHSM2 token with the demo keys (reused when present), a fresh API token and the
 * configuration file, which is validated as the signer and notifier will load it.
 * Service logs are emptied so they show this run only.
 */
export async function prepareDemo(paths: DemoPaths): Promise<DemoSetup> {
  await makeDirectories(paths);
  for (const name of FLEET_ROLES) await writeFile(paths.serviceLog[name], '', { mode: 0o600 });
  await writeFile(paths.redisLog, '', { mode: 0o600 });

  const pin = await readOrCreateSecretFile(paths.pinFile, newPin);
  const webhookSecret = await readOrCreateSecretFile(paths.webhookSecretFile, newWebhookSecret);
  await readOrCreateSecretFile(paths.fsSigningSecretFile, newFsSigningSecret);

  const token = await ensureSoftHsmToken({
    dir: paths.softHsmDir,
    tokenLabel: DEMO_TOKEN_LABEL,
    pin: pin.value,
    keys: DEMO_TOKEN_KEYS,
  });

  const api = generateApiToken();
  const yaml = demoConfigYaml({
    modulePath: token.modulePath,
    pinFile: relative(paths.dataDir, paths.pinFile),
    webhookSecretFile: relative(paths.dataDir, paths.webhookSecretFile),
    apiTokenSha256: api.tokenSha256,
  });
  await writeFileAtomic(paths.configFile, yaml, { mode: 0o600 });
  // Fail here, with the setting named, rather than in a child's log.
  loadFleetSignConfig(paths.configFile, {}, { checkKeyReferences: true, checkWebhookSecrets: true });

  return { token, apiToken: api.token, webhookSecret: webhookSecret.value };
}
