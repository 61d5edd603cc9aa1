import {
  ensureSoftHsmToken,
  parsePkcs11Objects,
  SO_PIN_FILE,
  type SoftHsmKeySpec,
  type SoftHsmTokenInfo,
} from '@fleetsign/devstack';
import { execFile } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { importPemKeyToSoftHsm } from '../../support/softhsm';

// Project-level testTimeout is not applied by Jest; starting services needs more than the 5 s default.
jest.setTimeout(60_000);

const run = promisify(execFile);
const PIN = '246813579';
const RSA_3072: SoftHsmKeySpec = { label: 'fw-rsa-3072', id: '01', type: 'rsa:3072' };
const P256: SoftHsmKeySpec = { label: 'fw-ec-p256', id: '02', type: 'EC:prime256v1' };
const P384: SoftHsmKeySpec = { label: 'fw-ec-p384', id: '03', type: 'EC:secp384r1' };

/** ensureSoftHsmToken for a token in `dir` with the user PIN `pin`. */
function ensureToken(
  dir: string,
  tokenLabel: string,
  keys: SoftHsmKeySpec[],
  pin = PIN,
): Promise<SoftHsmTokenInfo> {
  return ensureSoftHsmToken({ dir, tokenLabel, pin, keys });
}

/** Reads a public key off the token with pkcs11-tool (independent of the code under test). */
async function tokenPublicKey(
  confPath: string,
  modulePath: string,
  tokenLabel: string,
  label: string,
  dir: string,
): Promise<KeyObject> {
  const out = join(dir, `${label}.der`);
  await run(
    'pkcs11-tool',
    [
      '--module',
      modulePath,
      '--token-label',
      tokenLabel,
      '--read-object',
      '--type',
      'pubkey',
      '--label',
      label,
      '-o',
      out,
    ],
    {
      env: { ...process.env, SOFTHSM2_CONF: confPath },
    },
  );
  return createPublicKey({ key: readFileSync(out), format: 'der', type: 'spki' });
}

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-softhsm-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensureSoftHsmToken', () => {
  it('creates a token with the keys, then reuses it and adds only missing keys', async () => {
    const tokenDir = join(dir, 'token');
    const first = await ensureToken(tokenDir, 'devstack-test', [RSA_3072, P256]);
    expect(first).toMatchObject({
      createdToken: true,
      createdKeys: ['fw-rsa-3072', 'fw-ec-p256'],
      tokenLabel: 'devstack-test',
    });
    expect(first.confPath).toBe(join(tokenDir, 'softhsm2.conf'));
    expect(statSync(join(tokenDir, SO_PIN_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(tokenDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(tokenDir, SO_PIN_FILE), 'utf8').trim()).toMatch(/^[0-9a-f]{32}$/);

    const rsa = await tokenPublicKey(first.confPath, first.modulePath, 'devstack-test', 'fw-rsa-3072', dir);
    expect(rsa.asymmetricKeyDetails).toMatchObject({ modulusLength: 3072, publicExponent: 65537n });
    const p256 = await tokenPublicKey(first.confPath, first.modulePath, 'devstack-test', 'fw-ec-p256', dir);
    expect(p256.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });

    const second = await ensureToken(tokenDir, 'devstack-test', [RSA_3072, P256, P384]);
    expect(second).toMatchObject({ createdToken: false, createdKeys: ['fw-ec-p384'], slotId: first.slotId });
    // The existing keys were kept, not regenerated.
    const rsaAgain = await tokenPublicKey(
      first.confPath,
      first.modulePath,
      'devstack-test',
      'fw-rsa-3072',
      dir,
    );
    expect(rsaAgain.equals(rsa)).toBe(true);
    // pkcs11-tool cannot export P-384 public keys as SPKI; its listing shows the curve size.
    const { stdout } = await run(
      'pkcs11-tool',
      ['--module', first.modulePath, '--token-label', 'devstack-test', '--list-objects', '--type', 'pubkey'],
      {
        env: { ...process.env, SOFTHSM2_CONF: first.confPath },
      },
    );
    expect(stdout).toMatch(
      /Public Key Object; EC\s+EC_POINT 384 bits\n\s+EC_POINT:.*\n\s+EC_PARAMS:\s+06052b81040022\n\s+label:\s+fw-ec-p384\n/,
    );
    expect(
      parsePkcs11Objects(stdout)
        .map((o) => o.label)
        .sort(),
    ).toEqual(['fw-ec-p256', 'fw-ec-p384', 'fw-rsa-3072']);
  });

  it('says the PIN does not open an existing token, without printing the PIN', async () => {
    const tokenDir = join(dir, 'token');
    await ensureToken(tokenDir, 'devstack-pin', []);
    const wrongPin = '975318642';
    const attempt = ensureToken(tokenDir, 'devstack-pin', [], wrongPin);
    await expect(attempt).rejects.toThrow(
      /the PIN does not open SoftHSM2 token 'devstack-pin'.*CKR_PIN_INCORRECT/,
    );
    const message = await attempt.catch((err: Error) => err.message);
    expect(message).not.toContain(wrongPin);
    expect(message).not.toContain(PIN);
  });

  it('refuses to reuse a key whose type differs from the one asked for', async () => {
    const tokenDir = join(dir, 'token');
    await ensureToken(tokenDir, 'devstack-type', [{ label: 'k', id: '01', type: 'EC:prime256v1' }]);
    await expect(
      ensureToken(tokenDir, 'devstack-type', [{ label: 'k', id: '01', type: 'EC:secp384r1' }]),
    ).rejects.toThrow(/token key 'k' .* does not match EC:secp384r1 id 01: it has 256 bits, not 384/);
    await expect(
      ensureToken(tokenDir, 'devstack-type', [{ label: 'k', id: '01', type: 'rsa:3072' }]),
    ).rejects.toThrow(/it is EC, not RSA/);
  });

  it('refuses bad options before running any tool', async () => {
    await expect(
      ensureSoftHsmToken({
        dir,
        tokenLabel: 'ok',
        pin: '12',
        keys: [{ label: 'a b', id: '1', type: 'rsa:3072' }],
      }),
    ).rejects.toThrow(/pin must be 4-255.*key label 'a b'.*key id of 'a b'/);
  });
});

/** The message `promise` rejects with; throws when it resolves. */
async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

describe('importPemKeyToSoftHsm (test harness)', () => {
  it('never puts the PIN in a failure message, and removes its temp key file', async () => {
    const token = await ensureToken(join(dir, 'token'), 'harness-pin', []);
    const workDir = join(dir, 'work');
    mkdirSync(workDir);
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const wrongPin = '864213579';
    const key = { pem, label: 'imported', id: '0a', workDir };
    const harnessToken = { confPath: token.confPath, tokenLabel: 'harness-pin', pin: wrongPin };

    // The real tool refusing the PIN.
    const refused = await rejectionMessage(importPemKeyToSoftHsm(harnessToken, key));
    expect(refused).toMatch(/^softhsm2-util --import 'imported' failed/);
    expect(refused).not.toContain(wrongPin);

    // A tool that fails without any output: the message must not fall back to the command line.
    const fakeBin = join(dir, 'bin');
    mkdirSync(fakeBin);
    writeFileSync(join(fakeBin, 'softhsm2-util'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const path = process.env.PATH;
    process.env.PATH = `${fakeBin}${delimiter}${path ?? ''}`;
    let silent: string;
    try {
      silent = await rejectionMessage(importPemKeyToSoftHsm(harnessToken, key));
    } finally {
      process.env.PATH = path;
    }
    expect(silent).toBe("softhsm2-util --import 'imported' failed");
    expect(silent).not.toContain(wrongPin);
    expect(readdirSync(workDir)).toEqual([]);
  });
});
