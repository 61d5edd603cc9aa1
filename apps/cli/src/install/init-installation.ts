import { generateApiToken, loadFleetSignConfig } from '@fleetsign/config';
import {
  ensureSoftHsmToken,
  type LocalConfigInput,
  localConfigYaml,
  type LocalProfile,
  writeFileAtomic,
} from '@fleetsign/devstack';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { generateSigningKeyPem, hsmConfigToKeyRef, openPkcs11Signer } from '@fleetsign/keys';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../command-context';
import { readHsmConfig } from '../hsm/open-hsm-signer';
import { DEFAULT_SERVE_PORT, type InstallLayout, installLayout } from './install-layout';
import { INSTALL_KEYS, INSTALL_TOKEN_LABEL, installProfile } from './install-profiles';
import { installRecordJson } from './install-record';

/** Origin (first line of every checkpoint) of a local installation's transparency log. */
export const INSTALL_LOG_ORIGIN = 'fleetsign.local/log';

/** Options of `fleetsign init`. */
export interface InitOptions {
  dir?: string;
  /** espsecure INI of the user's own PKCS#11 key instead of a new SoftHSM2 token. */
  hsmConfig?: string;
  port?: number;
}

/** What init made, for its summary. */
export interface InitResult {
  layout: InstallLayout;
  url: string;
  token: string;
  profiles: LocalProfile[];
}

/** The token the installation signs with, as the configuration refers to it. */
interface InstallToken {
  ref: LocalConfigInput['token'];
  description: string;
  profiles: LocalProfile[];
  softHsmConf?: string;
}

const TENANT = 'default';
const API_KEY_ID = 'local';

/** Writes a secret file readable by the user only. */
function writeSecret(path: string, value: string): Promise<void> {
  return writeFileAtomic(path, `${value}\n`, { mode: 0o600 });
}

/** A new SoftHSM2 token in DIR/softhsm with every key of INSTALL_KEYS, behind a random PIN. */
async function createInstallToken(layout: InstallLayout): Promise<InstallToken> {
  const pin = randomBytes(16).toString('hex');
  await writeSecret(layout.pinFile, pin);
  const info = await ensureSoftHsmToken({
    dir: layout.softHsmDir,
    tokenLabel: INSTALL_TOKEN_LABEL,
    pin,
    keys: INSTALL_KEYS.map((entry) => entry.key),
  });
  return {
    ref: { modulePath: info.modulePath, tokenLabel: info.tokenLabel, pinFile: layout.pinFile },
    description: `SoftHSM2 token '${info.tokenLabel}' in ${layout.softHsmDir}`,
    profiles: INSTALL_KEYS.map((entry) => installProfile(entry.key.label, entry.algorithm)),
    softHsmConf: info.confPath,
  };
}

/** The user's own key from an espsecure INI: opened once to learn its algorithm (and that the PIN works). */
async function userToken(iniPath: string, layout: InstallLayout, context: CommandContext): Promise<InstallToken> {
  const { config, pin } = await readHsmConfig(iniPath, context);
  const signer = await openPkcs11Signer({ ...hsmConfigToKeyRef(config, pin), sessions: 1 });
  const algorithm = signer.algorithm;
  await signer.close();
  await writeSecret(layout.pinFile, pin);
  const where = config.tokenLabel !== undefined ? `token '${config.tokenLabel}'` : `slot ${config.slot}`;
  return {
    ref: { modulePath: config.pkcs11Lib, tokenLabel: config.tokenLabel, slot: config.slot, pinFile: layout.pinFile },
    description: `${where} of ${config.pkcs11Lib} (key ${config.label})`,
    profiles: [installProfile(config.label, algorithm)],
    softHsmConf: context.env.SOFTHSM2_CONF,
  };
}

/** Refuses a folder that is not empty: an installation is never overwritten. */
function refuseExisting(layout: InstallLayout): void {
  if (existsSync(layout.dir) && readdirSync(layout.dir).length > 0) {
    const what = existsSync(layout.configFile) ? 'a FleetSign installation' : 'files';
    throw new FleetSignError(
      ErrorCode.FileExists,
      `${layout.dir} already holds ${what}; fleetsign init never overwrites (choose another --dir)`,
      { path: layout.dir },
    );
  }
}

/** Removes what a failed init made, so nothing half-written stays behind. */
async function undo(layout: InstallLayout, createdDir: boolean): Promise<void> {
  if (createdDir) {
    await rm(layout.dir, { recursive: true, force: true });
    return;
  }
  for (const entry of readdirSync(layout.dir)) await rm(join(layout.dir, entry), { recursive: true, force: true });
}

/**
 * `fleetsign init`: a working local installation in one step. A token (new SoftHSM2 one
 * or the user's own), the configuration (one tenant, a profile per key allowing every
 * chip that boots its scheme, one API key), secrets in 0600 files, and client.env with
 * the URL and API key for the CLI. Validates the configuration as the services will.
 */
export async function initInstallation(options: InitOptions, context: CommandContext): Promise<InitResult> {
  const layout = installLayout(options.dir);
  refuseExisting(layout);
  const createdDir = !existsSync(layout.dir);
  try {
    await mkdir(layout.dir, { recursive: true, mode: 0o700 });
    await chmod(layout.dir, 0o700);
    await mkdir(layout.secretsDir, { mode: 0o700 });
    const token = options.hsmConfig
      ? await userToken(options.hsmConfig, layout, context)
      : await createInstallToken(layout);
    await writeSecret(layout.webhookSecretFile, `whsec_${randomBytes(32).toString('base64')}`);
    await writeSecret(layout.fsSigningSecretFile, randomBytes(48).toString('base64url'));
    // The log's checkpoint key signs checkpoints only; a software key in the installation
    // (0600) works with the user's own token too. Production puts it in the HSM (README).
    await writeSecret(layout.logKeyFile, generateSigningKeyPem('ecdsa-p256'));
    const api = generateApiToken();
    context.secrets.add(api.token);
    const yaml = localConfigYaml({
      header: 'Written by `fleetsign init`; `fleetsign serve` runs the service on it.',
      token: token.ref,
      profiles: token.profiles,
      tenant: TENANT,
      webhookSecretFile: layout.webhookSecretFile,
      // The one key of a local installation is also its operator's: it reads the whole
      // transparency log (`fleetsign audit verify`) and opens the console.
      apiKey: {
        id: API_KEY_ID,
        description: 'fleetsign init',
        tokenSha256: api.tokenSha256,
        scopes: ['sign', 'batch', 'read', 'audit', 'operator'],
      },
      transparencyLog: { origin: INSTALL_LOG_ORIGIN, key: { pemFile: layout.logKeyFile } },
    });
    await writeFileAtomic(layout.configFile, yaml, { mode: 0o600 });
    // Fail here, naming the setting, rather than in a service log.
    loadFleetSignConfig(layout.configFile, {}, { checkKeyReferences: true, checkWebhookSecrets: true });

    const port = options.port ?? DEFAULT_SERVE_PORT;
    await writeFileAtomic(layout.installFile, installRecordJson({ version: 1, port, softHsmConf: token.softHsmConf }), {
      mode: 0o600,
    });
    const url = `http://127.0.0.1:${port}`;
    await writeFileAtomic(layout.clientEnvFile, `FLEETSIGN_URL=${url}\nFLEETSIGN_API_KEY=${api.token}\n`, {
      mode: 0o600,
    });
    return { layout, url, token: token.description, profiles: token.profiles };
  } catch (err) {
    await undo(layout, createdDir);
    throw err;
  }
}
