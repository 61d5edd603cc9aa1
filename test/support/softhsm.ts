import { execFile } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { createPrivateKey } from 'node:crypto';
import { TEST_TOKEN_KEYS } from './test-env';

const run = promisify(execFile);

/** A SoftHSM2 token made for one test run. */
export interface SoftHsmToken {
  /** softhsm2.conf to export as SOFTHSM2_CONF for processes that use the token. */
  confPath: string;
  /** PKCS#11 module path. */
  modulePath: string;
  tokenLabel: string;
  pin: string;
  soPin: string;
  slotId: number;
}

const TOKEN_LABEL = 'fleetsign-test';
const USER_PIN = '1234';
const SO_PIN = '12345678';
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** Key type (pkcs11-tool --key-type) of every key on the test token. */
const KEY_TYPES: Record<keyof typeof TEST_TOKEN_KEYS, string> = {
  rsa3072: 'rsa:3072',
  rsa3072b: 'rsa:3072',
  p192: 'EC:prime192v1',
  p256: 'EC:prime256v1',
  p256b: 'EC:prime256v1',
  p384: 'EC:secp384r1',
};

const INSTALL_HINT = 'install the Debian packages softhsm2 and opensc (apt-get install -y softhsm2 opensc)';

function findExecutable(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`SoftHSM2 test token: '${name}' not found on PATH; ${INSTALL_HINT}`);
}

function findModule(): string {
  for (const candidate of MODULE_CANDIDATES) {
    try {
      accessSync(candidate, fsConstants.R_OK);
      return candidate;
    } catch {
      // try the next location
    }
  }
  throw new Error(`SoftHSM2 test token: libsofthsm2.so not found (looked in ${MODULE_CANDIDATES.join(', ')}); ${INSTALL_HINT}`);
}

function writeFileAtomic(path: string, content: string | Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode: 0o600 });
  renameSync(temp, path);
}

async function runTool(file: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { env, timeout: 60_000 });
    return `${stdout}\n${stderr}`;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`SoftHSM2 test token: ${what} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/**
 * Creates a SoftHSM2 token 'fleetsign-test' (PIN 1234, SO PIN 12345678) in `dir` and
 * generates every key of TEST_TOKEN_KEYS on it. SOFTHSM2_CONF is set for the child
 * processes only; the caller exports `confPath` where it needs it.
 */
export async function createSoftHsmToken(options: { dir: string }): Promise<SoftHsmToken> {
  const softhsmUtil = findExecutable('softhsm2-util');
  const pkcs11Tool = findExecutable('pkcs11-tool');
  const modulePath = findModule();

  const tokenDir = join(options.dir, 'tokens');
  mkdirSync(tokenDir, { recursive: true });
  const confPath = join(options.dir, 'softhsm2.conf');
  writeFileAtomic(confPath, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { ...process.env, SOFTHSM2_CONF: confPath };

  const init = await runTool(
    softhsmUtil,
    ['--init-token', '--free', '--label', TOKEN_LABEL, '--so-pin', SO_PIN, '--pin', USER_PIN],
    env,
    'softhsm2-util --init-token',
  );
  const slotMatch = /reassigned to slot (\d+)/.exec(init);
  if (!slotMatch) throw new Error(`SoftHSM2 test token: no slot id in softhsm2-util output: ${init.trim()}`);
  const slotId = Number(slotMatch[1]);

  // One key at a time: concurrent writers on one SoftHSM2 token directory are not safe.
  for (const [name, key] of Object.entries(TEST_TOKEN_KEYS) as Array<[keyof typeof TEST_TOKEN_KEYS, { label: string; id: string }]>) {
    await runTool(
      pkcs11Tool,
      ['--module', modulePath, '--token-label', TOKEN_LABEL, '--login', '--pin', USER_PIN, '--keypairgen',
        '--key-type', KEY_TYPES[name], '--label', key.label, '--id', key.id],
      env,
      `pkcs11-tool --keypairgen ${KEY_TYPES[name]} '${key.label}'`,
    );
  }

  return { confPath, modulePath, tokenLabel: TOKEN_LABEL, pin: USER_PIN, soPin: SO_PIN, slotId };
}

/**
 * Imports a PEM private key (any form node:crypto reads) into the token as a key pair
 * with the given label and hex id (softhsm2-util --import, PKCS#8 input).
 */
export async function importPemKeyToSoftHsm(
  token: Pick<SoftHsmToken, 'confPath' | 'tokenLabel' | 'pin'>,
  key: { pem: string | Buffer; label: string; id: string; workDir: string },
): Promise<void> {
  const softhsmUtil = findExecutable('softhsm2-util');
  const pkcs8 = createPrivateKey(key.pem).export({ type: 'pkcs8', format: 'pem' });
  const file = join(key.workDir, `import-${process.pid}-${key.id}.pk8`);
  writeFileAtomic(file, pkcs8);
  try {
    await runTool(
      softhsmUtil,
      ['--import', file, '--token', token.tokenLabel, '--label', key.label, '--id', key.id, '--pin', token.pin],
      { ...process.env, SOFTHSM2_CONF: token.confPath },
      `softhsm2-util --import '${key.label}'`,
    );
  } finally {
    rmSync(file, { force: true });
  }
}
