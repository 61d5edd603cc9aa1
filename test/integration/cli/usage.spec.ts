import { expectFatal, expectOk, fleetsign, generateKey, lines, specWorkspace } from './cli-test-kit';

// Command-line handling: commander usage errors, help, debug output.

const ws = specWorkspace();
let p256: string;

beforeAll(() => {
  p256 = generateKey(ws, 'p256.pem', 'p256');
});

describe('debug output', () => {
  it('adds the stack trace only when FLEETSIGN_DEBUG=1', async () => {
    const argv = ['signature-info-v2', ws.path('debug-missing.bin')];
    expectFatal(await fleetsign(argv), 'Cannot read data file');
    process.env.FLEETSIGN_DEBUG = '1';
    try {
      const run = await fleetsign(argv);
      expect(run.code).toBe(2);
      const [first, ...rest] = lines(run.stderr);
      expect(first).toMatch(/^A fatal error occurred: Cannot read data file/);
      expect(rest.some((line) => /^\s+at /.test(line))).toBe(true);
    } finally {
      delete process.env.FLEETSIGN_DEBUG;
    }
  });
});

describe('bad usage', () => {
  it('reports commander usage errors with exit 2', async () => {
    const [out, data] = [ws.path('u.out'), ws.path('u.bin')];
    const missingVersion = await fleetsign(['sign-data', '-k', p256, '-o', out, data]);
    expect(missingVersion.code).toBe(2);
    expect(missingVersion.stderr).toContain("required option '-v, --version <version>' not specified");

    const badChoice = await fleetsign(['sign-data', '-v', '3', '-k', p256, '-o', out, data]);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('Allowed choices are 1, 2');

    const unknown = await fleetsign(['sign-data', '-v', '2', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-flag'");

    const unknownCommand = await fleetsign(['sign-everything']);
    expect(unknownCommand.code).toBe(2);
  });

  it('lets -k swallow the data file like espsecure, so the file is reported missing', async () => {
    const run = await fleetsign(['sign-data', '-v', '2', '-k', p256, ws.path('app.bin')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'datafile'");
  });

  it('prints help with exit 0, including the FleetSign extensions', async () => {
    const top = await fleetsign(['--help']);
    expectOk(top);
    for (const name of [
      'sign-data',
      'verify-signature',
      'signature-info-v2',
      'digest-sbv2-public-key',
      'extract-public-key',
      'generate-signing-key',
    ])
      expect(top.stdout).toContain(name);
    const sign = await fleetsign(['sign_data', '--help']);
    expectOk(sign);
    expect(sign.stdout).toContain('--check-image');
    expect(sign.stdout).toContain('FleetSign extension');
  });
});
