import { readFileSync } from 'node:fs';
import {
  BLOCK,
  SCHEMES,
  SECTOR,
  blockAt,
  expectFatal,
  expectOk,
  fleetsign,
  lines,
  padToSector,
  randomData,
  signData,
  specKeyPairs,
  specWorkspace,
  verifyBlockIndependently,
  verifySignature,
  type SchemeName,
} from './cli-test-kit';

// sign-data / verify-signature for Secure Boot V2 with private key files made by openssl.

const ws = specWorkspace();
const keys = specKeyPairs(ws);

describe('Secure Boot V2 with key files', () => {
  it.each(Object.keys(SCHEMES) as SchemeName[])(
    'signs and verifies with %s (underscore spellings)',
    async (scheme) => {
      const data = randomData(65536 + 100);
      const input = ws.write(`v2-${scheme}.bin`, data);
      const output = ws.path(`v2-${scheme}.signed.bin`);

      const sign = await fleetsign([
        'sign_data',
        '--version',
        '2',
        '--keyfile',
        keys[scheme].key,
        '--output',
        output,
        input,
      ]);
      expectOk(sign);
      expect(lines(sign.stdout)).toEqual([
        'Padding data contents by 3996 bytes so signature sector aligns at sector boundary.',
        '1 signing key(s) found.',
        `Signed 69632 bytes of data from ${input}. Signature sector now has 1 signature blocks.`,
      ]);

      const signed = readFileSync(output);
      expect(signed.length).toBe(69632 + SECTOR);
      expect(signed.subarray(0, 69632)).toEqual(padToSector(data));
      expect(signed.subarray(SECTOR * 17 + BLOCK)).toEqual(Buffer.alloc(SECTOR - BLOCK, 0xff));
      expect(verifyBlockIndependently(signed, 0, keys[scheme].pub)).toBe(true);
      expect(readFileSync(input)).toEqual(data);

      const kind = SCHEMES[scheme].kind;
      for (const key of [keys[scheme].key, keys[scheme].pub]) {
        const check = await verifySignature(2, ['-k', key], output);
        expectOk(check);
        expect(lines(check.stdout)).toEqual([
          `Signature block 0 is valid (${kind}).`,
          `Signature block 0 verification successful using the supplied key (${kind}).`,
          'Signature block 1 invalid. Skipping.',
          'Signature block 2 invalid. Skipping.',
        ]);
      }
    },
  );

  it('writes three blocks in key order and each key verifies its own block', async () => {
    const input = ws.write('three.bin', randomData(SECTOR * 8));
    const output = ws.path('three.signed.bin');
    const order: SchemeName[] = ['rsa3072', 'p256', 'p384'];
    const run = await signData(2, ['-k', ...order.map((s) => keys[s].key)], output, input);
    expectOk(run);
    expect(run.stdout).toContain('3 signing key(s) found.');
    expect(run.stdout).toContain('Signature sector now has 3 signature blocks.');

    const signed = readFileSync(output);
    expect(signed.length).toBe(SECTOR * 9);
    order.forEach((scheme, index) => {
      expect(verifyBlockIndependently(signed, index, keys[scheme].pub)).toBe(true);
    });

    const byP256 = await fleetsign([
      'verify-signature',
      '--version',
      '2',
      '--keyfile',
      keys.p256.pub,
      output,
    ]);
    expectOk(byP256);
    expect(lines(byP256.stdout)).toEqual([
      'Signature block 0 is valid (RSA).',
      'Signature block 0 is not signed by the supplied key. Checking the next block...',
      'Signature block 1 is valid (ECDSA).',
      'Signature block 1 verification successful using the supplied key (ECDSA).',
      'Signature block 2 is valid (ECDSA).',
      'Signature block 2 is not signed by the supplied key. Checking the next block...',
    ]);
  });

  it('signs the input file in place when --output is missing, leaving no temp file', async () => {
    const before = ws.files();
    const data = randomData(SECTOR * 2);
    const input = ws.write('in-place.bin', data);
    const run = await fleetsign(['sign-data', '-v', '2', '-o', input, '-k', keys.p256.key, '--', input]);
    expectOk(run);
    const signed = readFileSync(input);
    expect(signed.length).toBe(SECTOR * 3);
    expect(signed.subarray(0, SECTOR * 2)).toEqual(data);
    expect(verifyBlockIndependently(signed, 0, keys.p256.pub)).toBe(true);
    expect(ws.files()).toEqual([...before, 'in-place.bin'].sort());

    // espsecure's own form: no -o, the input after another option.
    const data2 = randomData(SECTOR);
    const input2 = ws.write('in-place-2.bin', data2);
    const run2 = await fleetsign(['sign-data', '-k', keys.rsa3072.key, '-v', '2', input2]);
    expectOk(run2);
    expect(readFileSync(input2).length).toBe(SECTOR * 2);
    expect(verifyBlockIndependently(readFileSync(input2), 0, keys.rsa3072.pub)).toBe(true);
  });

  it('appends a block to an already signed image with -a / --append_signatures', async () => {
    const input = ws.write('append.bin', randomData(SECTOR * 4));
    const once = ws.path('append.1.bin');
    const twice = ws.path('append.2.bin');
    expectOk(await signData(2, ['-k', keys.rsa3072.key], once, input));

    const run = await fleetsign([
      'sign_data',
      '--version',
      '2',
      '--append_signatures',
      '-k',
      keys.p192.key,
      '-o',
      twice,
      once,
    ]);
    expectOk(run);
    expect(lines(run.stdout)).toEqual([
      '1 valid signature block(s) already present in the signature sector.',
      '1 signing key(s) found.',
      `Signed ${SECTOR * 4} bytes of data from ${once}. Signature sector now has 2 signature blocks.`,
    ]);
    const first = readFileSync(once);
    const second = readFileSync(twice);
    expect(second.length).toBe(first.length);
    expect(blockAt(second, 0)).toEqual(blockAt(first, 0));
    expect(verifyBlockIndependently(second, 0, keys.rsa3072.pub)).toBe(true);
    expect(verifyBlockIndependently(second, 1, keys.p192.pub)).toBe(true);
    for (const key of [keys.rsa3072.pub, keys.p192.pub])
      expectOk(await verifySignature(2, ['-k', key], twice));

    const third = ws.path('append.3.bin');
    expectOk(await signData(2, ['-a', '-k', keys.p256.key], third, twice));
    const full = ws.path('append.4.bin');
    const refused = await signData(2, ['-a', '-k', keys.p256.key], full, third);
    expectFatal(refused);
    expect(ws.files()).not.toContain('append.4.bin');
  });

  it('signs afresh, with the espsecure notice, when -a finds no valid block', async () => {
    const data = randomData(SECTOR * 2);
    const input = ws.write('append-none.bin', data);
    const output = ws.path('append-none.signed.bin');
    const run = await signData(2, ['--append-signatures', '-k', keys.p256.key], output, input);
    expectOk(run);
    expect(lines(run.stdout)[0]).toBe(
      'No valid signature blocks found. Discarding --append-signature and proceeding to sign the image afresh.',
    );
    const signed = readFileSync(output);
    expect(signed.length).toBe(SECTOR * 3);
    expect(signed.subarray(0, SECTOR * 2)).toEqual(data);
  });
});

describe('Secure Boot V2 with --skip-padding', () => {
  it('puts the sector right after unaligned data; verification needs the same flag', async () => {
    const data = randomData(SECTOR + 300);
    const input = ws.write('skip.bin', data);
    const output = ws.path('skip.signed.bin');
    const run = await signData(2, ['--skip_padding', '-k', keys.p256.key], output, input);
    expectOk(run);
    expect(run.stdout).not.toContain('Padding');
    const signed = readFileSync(output);
    expect(signed.length).toBe(data.length + SECTOR);
    expect(signed.subarray(0, data.length)).toEqual(data);
    expect(verifyBlockIndependently(signed, 0, keys.p256.pub)).toBe(true);
    expectOk(await verifySignature(2, ['--skip-padding', '-k', keys.p256.pub], output));
    expectFatal(await verifySignature(2, ['-k', keys.p256.pub], output), /4096/);
  });
});
