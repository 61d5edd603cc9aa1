import { createPrivateKey } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
// A relative path, not the alias: Jest's moduleNameMapper does not apply to the global setup, which loads this file.
import {
  ensureSoftHsmToken,
  requireExecutable,
  runTool,
  SO_PIN_FILE,
  type SoftHsmKeySpec,
  type SoftHsmKeyType,
  writeFileAtomic,
} from '../../libs/devstack/src';
import { TEST_TOKEN_KEYS } from './test-env';

// The shared SoftHSM2 token of the integration tests, made with ensureSoftHsmToken of
// @fleetsign/devstack. Tool failures quote the tool's own output, never its command
// line: PINs are passed as arguments.

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

/** Key type (pkcs11-tool --key-type) of every key on the test token. */
const KEY_TYPES: Record<keyof typeof TEST_TOKEN_KEYS, SoftHsmKeyType> = {
  rsa3072: 'rsa:3072',
  rsa3072b: 'rsa:3072',
  p192: 'EC:prime192v1',
  p256: 'EC:prime256v1',
  p256b: 'EC:prime256v1',
  p384: 'EC:secp384r1',
};

/** Every key of TEST_TOKEN_KEYS with its type, in the order they are generated. */
const TEST_TOKEN_KEY_SPECS: SoftHsmKeySpec[] = (
  Object.keys(TEST_TOKEN_KEYS) as Array<keyof typeof TEST_TOKEN_KEYS>
).map((name) => ({ ...TEST_TOKEN_KEYS[name], type: KEY_TYPES[name] }));

/**
 * Creates the SoftHSM2 token 'fleetsign-test' (user PIN 1234, a random SO PIN kept
 * 0600 in `<dir>/so-pin`) in `dir` with every key of TEST_TOKEN_KEYS, or reuses the
 * token and keys already there. SOFTHSM2_CONF is set for the tools only; the caller
 * exports `confPath` where it needs it.
 */
export async function createSoftHsmToken(options: { dir: string }): Promise<SoftHsmToken> {
  const token = await ensureSoftHsmToken({
    dir: options.dir,
    tokenLabel: TOKEN_LABEL,
    pin: USER_PIN,
    keys: TEST_TOKEN_KEY_SPECS,
  });
  const soPin = (await readFile(join(resolve(options.dir), SO_PIN_FILE), 'utf8')).trim();
  return {
    confPath: token.confPath,
    modulePath: token.modulePath,
    tokenLabel: token.tokenLabel,
    pin: USER_PIN,
    soPin,
    slotId: token.slotId,
  };
}

/**
 * Imports a PEM private key (any form node:crypto reads) into the token as a key pair
 * with the given label and hex id (softhsm2-util --import, PKCS#8 input).
 */
export async function importPemKeyToSoftHsm(
  token: Pick<SoftHsmToken, 'confPath' | 'tokenLabel' | 'pin'>,
  key: { pem: string | Buffer; label: string; id: string; workDir: string },
): Promise<void> {
  const softhsmUtil = requireExecutable('softhsm2-util', 'softhsm2');
  const pkcs8 = createPrivateKey(key.pem).export({ type: 'pkcs8', format: 'pem' });
  const file = join(key.workDir, `import-${process.pid}-${key.id}.pk8`);
  await writeFileAtomic(file, pkcs8, { mode: 0o600 });
  try {
    await runTool(
      softhsmUtil,
      [
        '--import',
        file,
        '--token',
        token.tokenLabel,
        '--label',
        key.label,
        '--id',
        key.id,
        '--pin',
        token.pin,
      ],
      { ...process.env, SOFTHSM2_CONF: token.confPath },
      `softhsm2-util --import '${key.label}'`,
    );
  } finally {
    await rm(file, { force: true });
  }
}
