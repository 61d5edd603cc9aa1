import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  derEcdsaToRawForTest,
  expectFatal,
  expectOk,
  fleetsign,
  lines,
  opensslSign,
  randomData,
  signData,
  specKeyPairs,
  specWorkspace,
  verifySignature,
} from './cli-test-kit';

// sign-data / verify-signature / extract-public-key for Secure Boot V1 (ESP32 before rev 3).

const ws = specWorkspace();
const keys = specKeyPairs(ws);

describe('Secure Boot V1', () => {
  it('signs deterministically and verifies with the private, public and raw key', async () => {
    const data = randomData(5000);
    const input = ws.write('v1.bin', data);
    const output = ws.path('v1.signed.bin');
    const run = await fleetsign([
      'sign_data',
      '--version',
      '1',
      '--keyfile',
      keys.p256.key,
      '--output',
      output,
      input,
    ]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual([`Signed 5000 bytes of data from ${input} with key ${keys.p256.key}.`]);

    const signed = readFileSync(output);
    expect(signed.length).toBe(5068);
    expect(signed.subarray(0, 5000)).toEqual(data);
    expect(signed.subarray(5000, 5004)).toEqual(Buffer.alloc(4));
    const key = createPublicKey(readFileSync(keys.p256.pub));
    expect(verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signed.subarray(5004))).toBe(true);

    const again = ws.path('v1.signed-again.bin');
    expectOk(await signData(1, ['-k', keys.p256.key], again, input));
    expect(readFileSync(again)).toEqual(signed);

    const raw = ws.path('v1.raw.pub');
    expectOk(await fleetsign(['extract_public_key', '--version', '1', '--keyfile', keys.p256.key, raw]));
    for (const verifier of [keys.p256.key, keys.p256.pub, raw]) {
      const check = await verifySignature(1, ['-k', verifier], output);
      expectOk(check);
      expect(lines(check.stdout)).toEqual(['Verifying 5000 bytes of data...', 'Signature is valid.']);
    }

    const tampered = Buffer.from(signed);
    tampered[10] ^= 0x01;
    const bad = ws.write('v1.tampered.bin', tampered);
    expectFatal(await verifySignature(1, ['-k', keys.p256.pub], bad), 'Signature is not valid.');
  });

  it('attaches a pre-calculated raw r||s signature made by openssl', async () => {
    const input = ws.write('v1-pre.bin', randomData(3000));
    const der = readFileSync(opensslSign(ws, keys.p256.key, 'p256', input, 'v1-pre.der'));
    const rawSignature = ws.write('v1-pre.sig', derEcdsaToRawForTest(der, 32));
    const output = ws.path('v1-pre.signed.bin');
    const run = await signData(1, ['--pub-key', keys.p256.pub, '--signature', rawSignature], output, input);
    expectOk(run);
    expect(readFileSync(output).subarray(3004)).toEqual(readFileSync(rawSignature));
    expectOk(await verifySignature(1, ['-k', keys.p256.pub], output));
  });

  it('refuses a key on another curve and more than one key', async () => {
    const input = ws.write('v1-bad.bin', randomData(100));
    expectFatal(await signData(1, ['-k', keys.p384.key], ws.path('v1-bad.out'), input), /NIST256p/);
    expectFatal(
      await signData(1, ['-k', keys.p256.key, keys.p256.key], ws.path('v1-bad.out'), input),
      /only supports one signing key/,
    );
    expect(ws.files()).not.toContain('v1-bad.out');
  });
});
