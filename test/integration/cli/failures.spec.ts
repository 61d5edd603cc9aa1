import { mkdirSync, readFileSync } from 'node:fs';
import {
  SECTOR,
  expectFatal,
  expectOk,
  fleetsign,
  generateKey,
  lines,
  openssl,
  opensslSign,
  publicKeyOf,
  randomData,
  signData,
  specWorkspace,
  verifySignature,
} from './cli-test-kit';

// What a user sees when something is wrong: one fatal line and exit 2, and no output
// file half-written or temp file left behind.

const ws = specWorkspace();
let rsa: string;
let rsaPub: string;
let p256: string;
let p256Pub: string;
let otherP256: string;

beforeAll(() => {
  rsa = generateKey(ws, 'rsa.pem', 'rsa3072');
  rsaPub = publicKeyOf(ws, rsa, 'rsa.pub.pem');
  p256 = generateKey(ws, 'p256.pem', 'p256');
  p256Pub = publicKeyOf(ws, p256, 'p256.pub.pem');
  otherP256 = generateKey(ws, 'other-p256.pem', 'p256');
});

describe('sign-data failures', () => {
  it('refuses four keys', async () => {
    const input = ws.write('four.bin', randomData(SECTOR));
    const run = await signData(2, ['-k', rsa, p256, otherP256, rsa], ws.path('four.out'), input);
    expectFatal(run, 'Number of keys (4) more than the empty signature blocks (3)');
    expect(run.stdout).toBe('');
    expect(ws.files()).not.toContain('four.out');
  });

  it('refuses --pub-key and --signature counts that differ', async () => {
    const input = ws.write('mismatch.bin', randomData(SECTOR));
    const signature = opensslSign(ws, p256, 'p256', input, 'mismatch.sig');
    const run = await signData(
      2,
      ['--pub-key', p256Pub, rsaPub, '--signature', signature],
      ws.path('mismatch.out'),
      input,
    );
    expectFatal(run, 'Number of public keys (2) not equal to the number of signatures (1)');
    const noSignature = await signData(2, ['--pub-key', p256Pub], ws.path('mismatch.out'), input);
    expectFatal(noSignature, 'Number of public keys (1) not equal to the number of signatures (0)');
    expect(ws.files()).not.toContain('mismatch.out');
  });

  it('refuses unaligned input on the pre-calculated path', async () => {
    const input = ws.write('unaligned.bin', randomData(SECTOR + 1));
    const signature = opensslSign(ws, rsa, 'rsa3072', input, 'unaligned.sig');
    const run = await signData(
      2,
      ['--pub-key', rsaPub, '--signature', signature],
      ws.path('unaligned.out'),
      input,
    );
    expectFatal(run, /not sector aligned/);
    expect(ws.files()).not.toContain('unaligned.out');
  });

  it('refuses a pre-calculated signature that does not match, keeping the old output intact', async () => {
    const input = ws.write('wrong-sig.bin', randomData(SECTOR));
    const other = ws.write('wrong-sig-other.bin', randomData(SECTOR));
    const signature = opensslSign(ws, p256, 'p256', other, 'wrong-sig.sig');
    const output = ws.write('wrong-sig.out', 'previous contents');
    const before = ws.files();
    const run = await signData(2, ['--pub-key', p256Pub, '--signature', signature], output, input);
    expectFatal(run, /verif/i);
    expect(readFileSync(output, 'utf8')).toBe('previous contents');
    expect(ws.files()).toEqual(before);
  });

  it('leaves the input untouched when in-place signing fails', async () => {
    const data = randomData(SECTOR * 2);
    const input = ws.write('in-place-fail.bin', data);
    const before = ws.files();
    const run = await fleetsign(['sign-data', '-v', '1', '-k', rsa, '--', input]);
    expectFatal(run);
    expect(readFileSync(input)).toEqual(data);
    expect(ws.files()).toEqual(before);
  });

  it('removes the temp file when the output cannot be put in place', async () => {
    const input = ws.write('blocked.bin', randomData(SECTOR));
    // A non-empty folder where the output should go: the final rename fails after the temp file is written.
    const blocker = ws.path('blocked.out');
    mkdirSync(blocker);
    ws.write('blocked.out/keep', 'x');
    const before = ws.files();
    const run = await signData(2, ['-k', p256], blocker, input);
    expectFatal(run, `Cannot write "${blocker}"`);
    expect(ws.files()).toEqual(before);
  });

  it('names a missing data file or key file', async () => {
    const missing = ws.path('does-not-exist.bin');
    expectFatal(
      await signData(2, ['-k', p256], ws.path('x.out'), missing),
      `Cannot read data file "${missing}": No such file or directory`,
    );
    const input = ws.write('has-data.bin', randomData(10));
    const missingKey = ws.path('no-key.pem');
    expectFatal(
      await signData(2, ['-k', missingKey], ws.path('x.out'), input),
      `Cannot read key file "${missingKey}"`,
    );
    expect(ws.files()).not.toContain('x.out');
  });

  it('refuses to write the output over a key file', async () => {
    const input = ws.write('over-key.bin', randomData(SECTOR));
    const keyBefore = readFileSync(p256);
    expectFatal(await signData(2, ['-k', p256], p256, input), 'should not be the same');
    expect(readFileSync(p256)).toEqual(keyBefore);
  });

  it('refuses a key that is not a Secure Boot key', async () => {
    const rsa2048 = ws.path('rsa2048.pem');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsa2048]);
    const input = ws.write('rsa2048.bin', randomData(SECTOR));
    expectFatal(await signData(2, ['-k', rsa2048], ws.path('rsa2048.out'), input), rsa2048);
    const garbage = ws.write('garbage.pem', 'not a key');
    expectFatal(await signData(2, ['-k', garbage], ws.path('rsa2048.out'), input), garbage);
    expect(ws.files()).not.toContain('rsa2048.out');
  });
});

describe('verify-signature failures', () => {
  it('fails with one line when the key did not sign any block', async () => {
    const input = ws.write('verify-wrong.bin', randomData(SECTOR));
    const signed = ws.path('verify-wrong.signed.bin');
    expectOk(await signData(2, ['-k', p256], signed, input));
    const run = await verifySignature(2, ['-k', otherP256], signed);
    expectFatal(run, /^A fatal error occurred: Checksum \/ signature verification failed/);
    expect(lines(run.stdout)).toContain(
      'Signature block 0 is not signed by the supplied key. Checking the next block...',
    );
  });

  it('fails when the signed data was changed', async () => {
    const input = ws.write('verify-tamper.bin', randomData(SECTOR * 2));
    const signed = ws.path('verify-tamper.signed.bin');
    expectOk(await signData(2, ['-k', rsa], signed, input));
    const bytes = readFileSync(signed);
    bytes[100] ^= 0xff;
    const tampered = ws.write('verify-tamper.bad.bin', bytes);
    const run = await verifySignature(2, ['-k', rsaPub], tampered);
    expectFatal(run, 'Checksum / signature verification failed');
    expect(run.stdout).toContain('Signature block 0 image digest does not match the actual image digest.');
  });

  it('fails on an unaligned or unsigned file', async () => {
    expectFatal(await verifySignature(2, ['-k', rsaPub], ws.write('short.bin', randomData(100))));
    expectFatal(await verifySignature(2, ['-k', rsaPub], ws.write('unsigned.bin', randomData(SECTOR * 2))));
  });

  it('needs a key, or an eFuse digest of the right length', async () => {
    const file = ws.write('no-key.bin', randomData(SECTOR * 2));
    expectFatal(await verifySignature(2, [], file), /--keyfile/);
    expectFatal(await verifySignature(2, ['--efuse-digest', 'abcd'], file), /64 hex digits/);
  });
});
