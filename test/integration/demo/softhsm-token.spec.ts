import { ensureSoftHsmToken, parsePkcs11Objects, SO_PIN_FILE } from '@fleetsign/devstack';
import { execFile } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Project-level testTimeout is not applied by Jest; starting services needs more than the 5 s default.
jest.setTimeout(60_000);

const run = promisify(execFile);
const PIN = '246813579';

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

describe('ensureSoftHsmToken', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-softhsm-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a token with the keys, then reuses it and adds only missing keys', async () => {
    const tokenDir = join(dir, 'token');
    const first = await ensureSoftHsmToken({
      dir: tokenDir,
      tokenLabel: 'devstack-test',
      pin: PIN,
      keys: [
        { label: 'fw-rsa-3072', id: '01', type: 'rsa:3072' },
        { label: 'fw-ec-p256', id: '02', type: 'EC:prime256v1' },
      ],
    });
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

    const second = await ensureSoftHsmToken({
      dir: tokenDir,
      tokenLabel: 'devstack-test',
      pin: PIN,
      keys: [
        { label: 'fw-rsa-3072', id: '01', type: 'rsa:3072' },
        { label: 'fw-ec-p256', id: '02', type: 'EC:prime256v1' },
        { label: 'fw-ec-p384', id: '03', type: 'EC:secp384r1' },
      ],
    });
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
    await ensureSoftHsmToken({ dir: tokenDir, tokenLabel: 'devstack-pin', pin: PIN, keys: [] });
    const wrongPin = '975318642';
    const attempt = ensureSoftHsmToken({
      dir: tokenDir,
      tokenLabel: 'devstack-pin',
      pin: wrongPin,
      keys: [],
    });
    await expect(attempt).rejects.toThrow(
      /the PIN does not open SoftHSM2 token 'devstack-pin'.*CKR_PIN_INCORRECT/,
    );
    const message = await attempt.catch((err: Error) => err.message);
    expect(message).not.toContain(wrongPin);
    expect(message).not.toContain(PIN);
  });

  it('refuses to reuse a key whose type differs from the one asked for', async () => {
    const tokenDir = join(dir, 'token');
    await ensureSoftHsmToken({
      dir: tokenDir,
      tokenLabel: 'devstack-type',
      pin: PIN,
      keys: [{ label: 'k', id: '01', type: 'EC:prime256v1' }],
    });
    await expect(
      ensureSoftHsmToken({
        dir: tokenDir,
        tokenLabel: 'devstack-type',
        pin: PIN,
        keys: [{ label: 'k', id: '01', type: 'EC:secp384r1' }],
      }),
    ).rejects.toThrow(/token key 'k' .* does not match EC:secp384r1 id 01: it has 256 bits, not 384/);
    await expect(
      ensureSoftHsmToken({
        dir: tokenDir,
        tokenLabel: 'devstack-type',
        pin: PIN,
        keys: [{ label: 'k', id: '01', type: 'rsa:3072' }],
      }),
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
