import { readFileSync } from 'node:fs';
import {
  SECTOR,
  blockAt,
  expectOk,
  fleetsign,
  lines,
  opensslSign,
  randomData,
  signData,
  specKeyPairs,
  specWorkspace,
  verifyBlockIndependently,
  type SchemeName,
} from './cli-test-kit';

// sign-data for Secure Boot V2 with signatures made outside FleetSign by `openssl dgst -sign`.

const ws = specWorkspace();
const keys = specKeyPairs(ws);

describe('Secure Boot V2 with pre-calculated signatures', () => {
  it('attaches openssl-made RSA (raw) and ECDSA (DER) signatures, verified by each key', async () => {
    const input = ws.write('pre.bin', randomData(SECTOR * 16));
    const schemes: SchemeName[] = ['rsa3072', 'p256', 'p384'];
    const signatures = schemes.map((s) => opensslSign(ws, keys[s].key, s, input, `pre.${s}.sig`));
    expect(readFileSync(signatures[0]).length).toBe(384);
    expect(readFileSync(signatures[1])[0]).toBe(0x30);

    const output = ws.path('pre.signed.bin');
    const run = await fleetsign([
      'sign-data',
      '--version',
      '2',
      '--pub-key',
      ...schemes.map((s) => keys[s].pub),
      '--signature',
      ...signatures,
      '--output',
      output,
      input,
    ]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual([
      'Pre-calculated signatures found...',
      '3 signing key(s) found.',
      `Signed ${SECTOR * 16} bytes of data from ${input}. Signature sector now has 3 signature blocks.`,
    ]);
    const signed = readFileSync(output);
    schemes.forEach((scheme, index) =>
      expect(verifyBlockIndependently(signed, index, keys[scheme].pub)).toBe(true),
    );
    // The signature is embedded unchanged: RSA stored byte-reversed at offset 812.
    expect(Buffer.from(blockAt(signed, 0).subarray(812, 1196)).reverse()).toEqual(
      readFileSync(signatures[0]),
    );
    expectOk(await fleetsign(['verify_signature', '--version', '2', '--keyfile', keys.p384.key, output]));
  });

  it('accepts a private key as --pub_key and appends a pre-calculated signature with -a', async () => {
    const input = ws.write('pre-append.bin', randomData(SECTOR * 2));
    const once = ws.path('pre-append.1.bin');
    expectOk(await signData(2, ['-k', keys.rsa3072.key], once, input));
    // The new signature covers the data without the existing sector.
    const signature = opensslSign(ws, keys.p256.key, 'p256', input, 'pre-append.sig');
    const twice = ws.path('pre-append.2.bin');
    const run = await signData(2, ['-a', '--pub_key', keys.p256.key, '--signature', signature], twice, once);
    expectOk(run);
    const signed = readFileSync(twice);
    expect(verifyBlockIndependently(signed, 0, keys.rsa3072.pub)).toBe(true);
    expect(verifyBlockIndependently(signed, 1, keys.p256.pub)).toBe(true);
  });
});
