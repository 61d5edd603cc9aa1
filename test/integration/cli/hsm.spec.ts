import { readFileSync } from 'node:fs';
import { TEST_TOKEN_KEYS, requireTestEnv } from '../../support/test-env';
import {
  SECTOR,
  blockAt,
  expectFatal,
  expectOk,
  fleetsign,
  generateKey,
  keyMaterialOfBlock,
  lines,
  publicKeyOf,
  randomData,
  sha256,
  signData,
  specWorkspace,
  verifyBlockIndependently,
  verifySignature,
  type CliRun,
} from './cli-test-kit';

// --hsm mode against the SoftHSM2 token of the integration global setup, with an
// espsecure-style INI file written by the test.

const ws = specWorkspace();
const pin = requireTestEnv('tokenPin');

/** Writes an [hsm_config] INI for one token key; `credentials: null` leaves the PIN out. */
function hsmConfig(name: string, label: string, credentials: string | null = pin): string {
  const body = [
    '[hsm_config]',
    `pkcs11_lib = ${requireTestEnv('pkcs11Module')}`,
    `slot = ${requireTestEnv('tokenSlot')}`,
    `label = ${label}`,
    ...(credentials === null ? [] : [`credentials = ${credentials}`]),
  ];
  return ws.write(name, `${body.join('\n')}\n`);
}

/** The options that select the token key of an HSM config file. */
function hsm(config: string): string[] {
  return ['--hsm', '--hsm-config', config];
}

/** The PIN must never show up in anything the CLI prints. */
function expectNoPin(...runs: CliRun[]): void {
  for (const run of runs) {
    expect(run.stdout).not.toContain(pin);
    expect(run.stderr).not.toContain(pin);
  }
}

describe.each([
  ['RSA-3072', TEST_TOKEN_KEYS.rsa3072.label, 'RSA'],
  ['P-256', TEST_TOKEN_KEYS.p256.label, 'ECDSA'],
  ['P-384', TEST_TOKEN_KEYS.p384.label, 'ECDSA'],
])('HSM key %s', (name, label, kind) => {
  const tag = name.toLowerCase();

  it('signs with --hsm and verifies with --hsm and with the extracted public key', async () => {
    const config = hsmConfig(`${tag}.ini`, label);
    const input = ws.write(`${tag}.bin`, randomData(SECTOR * 2 + 10));
    const signed = ws.path(`${tag}.signed.bin`);

    const sign = await fleetsign([
      'sign_data',
      '--version',
      '2',
      '--hsm',
      '--hsm_config',
      config,
      '--output',
      signed,
      input,
    ]);
    expectOk(sign);
    expect(lines(sign.stdout)).toEqual([
      'Padding data contents by 4086 bytes so signature sector aligns at sector boundary.',
      '1 signing key(s) found.',
      `Signed ${SECTOR * 3} bytes of data from ${input}. Signature sector now has 1 signature blocks.`,
    ]);

    const viaHsm = await verifySignature(2, hsm(config), signed);
    expectOk(viaHsm);
    expect(viaHsm.stdout).toContain(
      `Signature block 0 verification successful using the supplied key (${kind}).`,
    );

    const publicKey = ws.path(`${tag}.pub.pem`);
    const extract = await fleetsign(['extract-public-key', '-v', '2', ...hsm(config), publicKey]);
    expectOk(extract);
    expect(readFileSync(publicKey, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const viaFile = await verifySignature(2, ['-k', publicKey], signed);
    expectOk(viaFile);

    const bytes = readFileSync(signed);
    expect(verifyBlockIndependently(bytes, 0, publicKey)).toBe(true);
    const digestFile = ws.path(`${tag}.digest`);
    expectOk(await fleetsign(['digest-sbv2-public-key', '-k', publicKey, '-o', digestFile]));
    expect(readFileSync(digestFile)).toEqual(sha256(keyMaterialOfBlock(blockAt(bytes, 0))));

    expectNoPin(sign, viaHsm, extract, viaFile);
  });
});

describe('HSM options', () => {
  it('uses --pub-key in place of the token public key and refuses one that does not match', async () => {
    const config = hsmConfig('override.ini', TEST_TOKEN_KEYS.p256.label);
    const tokenPublicKey = ws.path('override-token.pub.pem');
    expectOk(await fleetsign(['extract-public-key', '-v', '2', ...hsm(config), tokenPublicKey]));
    const input = ws.write('override.bin', randomData(SECTOR));

    const matching = ws.path('override.signed.bin');
    expectOk(await signData(2, [...hsm(config), '--pub-key', tokenPublicKey], matching, input));
    expect(verifyBlockIndependently(readFileSync(matching), 0, tokenPublicKey)).toBe(true);

    const stranger = publicKeyOf(ws, generateKey(ws, 'stranger.pem', 'p256'), 'stranger.pub.pem');
    const before = ws.files();
    const refused = await signData(
      2,
      [...hsm(config), '--pub-key', stranger],
      ws.path('override.bad.bin'),
      input,
    );
    expectFatal(refused, /verification failed/i);
    expect(ws.files()).toEqual(before);

    const otherType = publicKeyOf(ws, generateKey(ws, 'stranger-p384.pem', 'p384'), 'stranger-p384.pub.pem');
    expectFatal(
      await signData(2, [...hsm(config), '--pub-key', otherType], ws.path('override.bad.bin'), input),
    );
    expectNoPin(refused);
  });

  it('takes the PIN from FLEETSIGN_HSM_PIN or the prompt when the config has none', async () => {
    const config = hsmConfig('no-pin.ini', TEST_TOKEN_KEYS.p256.label, null);
    const input = ws.write('no-pin.bin', randomData(SECTOR));
    const prompts: string[] = [];
    const prompted = await signData(2, hsm(config), ws.path('no-pin.1.bin'), input, {
      promptSecret: async (prompt) => {
        prompts.push(prompt);
        return pin;
      },
    });
    expectOk(prompted);
    expect(prompts).toEqual([`Enter the PIN for the HSM key "${TEST_TOKEN_KEYS.p256.label}": `]);

    process.env.FLEETSIGN_HSM_PIN = pin;
    try {
      expectOk(await verifySignature(2, hsm(config), ws.path('no-pin.1.bin')));
    } finally {
      delete process.env.FLEETSIGN_HSM_PIN;
    }
    expectNoPin(prompted);
  });

  it('fails with one line, without the PIN, for a wrong PIN, a missing key or a missing config', async () => {
    const input = ws.write('hsm-fail.bin', randomData(SECTOR));
    const out = ws.path('hsm-fail.out');
    const wrongPin = await signData(
      2,
      hsm(hsmConfig('wrong-pin.ini', TEST_TOKEN_KEYS.p256.label, '987123')),
      out,
      input,
    );
    expectFatal(wrongPin, /PIN/);
    expect(wrongPin.stderr).not.toContain('987123');

    const noKey = await signData(2, hsm(hsmConfig('no-key.ini', 'no-such-key')), out, input);
    expectFatal(noKey, /no-such-key/);

    expectFatal(await signData(2, ['--hsm'], out, input), /--hsm-config/);
    expectFatal(await signData(2, hsm(ws.path('absent.ini')), out, input), /Cannot read HSM config file/);
    expectFatal(
      await signData(1, hsm(hsmConfig('v1.ini', TEST_TOKEN_KEYS.p256.label)), out, input),
      /Secure Boot V1/,
    );
    expect(ws.files()).not.toContain('hsm-fail.out');
    expectNoPin(wrongPin, noKey);
  });
});
