import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../../support/test-env';
import { fleetsign } from './cli-test-kit';

// `fleetsign keys csr --config F --profile P [--key K]`: a certificate request for a profile
// key of the FleetSign configuration, opened as the signer opens it (SoftHSM2 module, token,
// label, PIN file), signed inside the token; openssl verifies it and finds the same public
// key as a request made through an INI file. The PIN never shows.

let dir: string;
let configPath: string;
const pin = requireTestEnv('tokenPin');

function tokenKey(label: string, pinFile: string): Record<string, unknown> {
  return { provider: 'pkcs11', module: requireTestEnv('pkcs11Module'), token_label: requireTestEnv('tokenLabel'), key_label: label, pin_file: pinFile };
}

/** openssl's verdict and the request's public key (PEM). */
function opensslRequest(file: string): { verify: string; publicKey: string } {
  const verify = execFileSync('openssl', ['req', '-in', file, '-noout', '-verify', '-subject'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const publicKey = execFileSync('openssl', ['req', '-in', file, '-noout', '-pubkey'], { encoding: 'utf8' });
  return { verify, publicKey };
}

beforeAll(() => {
  dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'csr-profile-'));
  const pinFile = join(dir, 'pin');
  writeFileSync(pinFile, pin, { mode: 0o600 });
  configPath = join(dir, 'fleetsign.yaml');
  writeFileSync(
    configPath,
    stringify({
      version: 1,
      profiles: [
        { name: 'release', scheme: 'sbv2-ecdsa-p256', keys: [tokenKey(TEST_TOKEN_KEYS.p256.label, pinFile)], state: 'active' },
        { name: 'dual', scheme: 'sbv2-rsa3072', keys: [tokenKey(TEST_TOKEN_KEYS.rsa3072.label, pinFile), tokenKey(TEST_TOKEN_KEYS.rsa3072b.label, pinFile)], state: 'active' },
      ],
    }),
  );
});

describe('keys csr --config --profile', () => {
  it("writes a request for the profile's key that openssl verifies, with the key of the INI route", async () => {
    const out = join(dir, 'release.csr');
    const run = await fleetsign(['keys', 'csr', '--config', configPath, '--profile', 'release', '--subject', 'CN=fw-release, O=FleetSign Test', '--out', out]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`written to "${out}"`);
    expect(run.stdout).not.toContain(pin);
    const request = opensslRequest(out);
    expect(request.verify).toMatch(/subject=CN ?= ?fw-release, O ?= ?FleetSign Test/);

    const ini = join(dir, 'release.ini');
    const body = ['[hsm_config]', `pkcs11_lib = ${requireTestEnv('pkcs11Module')}`, `slot = ${requireTestEnv('tokenSlot')}`, `label = ${TEST_TOKEN_KEYS.p256.label}`, `credentials = ${pin}`];
    writeFileSync(ini, `${body.join('\n')}\n`);
    const viaIni = join(dir, 'release-ini.csr');
    expect((await fleetsign(['keys', 'csr', '--hsm-config', ini, '--subject', 'CN=x', '-o', viaIni])).code).toBe(0);
    expect(request.publicKey).toBe(opensslRequest(viaIni).publicKey);
  });

  it('picks one key of a profile with several by --key (index or label), and asks for it otherwise', async () => {
    const byIndex = join(dir, 'dual-1.csr');
    const byLabel = join(dir, 'dual-b.csr');
    expect((await fleetsign(['keys', 'csr', '--config', configPath, '--profile', 'dual', '--key', '1', '--subject', 'CN=b', '--out', byIndex])).code).toBe(0);
    expect((await fleetsign(['keys', 'csr', '--config', configPath, '--profile', 'dual', '--key', TEST_TOKEN_KEYS.rsa3072b.label, '--subject', 'CN=b', '--out', byLabel])).code).toBe(0);
    expect(opensslRequest(byIndex).publicKey).toBe(opensslRequest(byLabel).publicKey);
    const first = join(dir, 'dual-0.csr');
    expect((await fleetsign(['keys', 'csr', '--config', configPath, '--profile', 'dual', '--key', '0', '--subject', 'CN=a', '--out', first])).code).toBe(0);
    expect(opensslRequest(first).publicKey).not.toBe(opensslRequest(byIndex).publicKey);

    const unnamed = await fleetsign(['keys', 'csr', '--config', configPath, '--profile', 'dual', '--subject', 'CN=a']);
    expect(unnamed.code).not.toBe(0);
    expect(unnamed.stderr).toMatch(/profile 'dual' has 2 keys; choose one with --key \(0: pkcs11 token .*, label fw-rsa-3072; 1: .*label fw-rsa-3072-b\)/);
  });

  it('refuses an unknown profile or key, a missing PIN file and mixed options with a one-line reason, writing nothing', async () => {
    const out = join(dir, 'never.csr');
    const cases: Array<[string[], RegExp]> = [
      [['--config', configPath, '--profile', 'nope'], /no profile 'nope' \(profiles: release, dual\)/],
      [['--config', configPath, '--profile', 'dual', '--key', 'fw-missing'], /profile 'dual' has no key 'fw-missing'/],
      [['--config', configPath], /--config needs '--profile <name>'/],
      [['--hsm-config', 'x.ini', '--config', configPath, '--profile', 'release'], /give --hsm-config or --config, not both/],
      [['--profile', 'release'], /required option '--hsm-config <file>' or '--config <file>'/],
    ];
    for (const [args, reason] of cases) {
      const run = await fleetsign(['keys', 'csr', ...args, '--subject', 'CN=x', '--out', out]);
      expect(run.code).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(reason);
    }
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(configPath, 'utf8').replaceAll(join(dir, 'pin'), join(dir, 'no-such-pin')));
    const missingPin = await fleetsign(['keys', 'csr', '--config', broken, '--profile', 'release', '--subject', 'CN=x', '--out', out]);
    expect(missingPin.code).not.toBe(0);
    expect(missingPin.stderr).toMatch(/profiles\[0\]\.keys\[0\]\.pin_file/);
    expect(() => readFileSync(out)).toThrow();
  });
});
