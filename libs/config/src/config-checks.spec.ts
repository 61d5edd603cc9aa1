import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigData, configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

type Case = [string, (data: ConfigData) => void, string];

const kmsKey = (keyId: string) => ({ provider: 'aws-kms', key_id: keyId, region: 'eu-west-1' });

const cases: Case[] = [
  [
    'a duplicate profile name',
    (d) => (d.profiles[1].name = 'rsa-prod'),
    'profiles[1].name: duplicate of profiles[0].name',
  ],
  [
    'a duplicate tenant name',
    (d) => (d.tenants[1].name = 'acme'),
    'tenants[1].name: duplicate of tenants[0].name',
  ],
  ['a duplicate API key id', (d) => (d.api_keys[1].id = 'ci'), 'api_keys[1].id: duplicate of api_keys[0].id'],
  [
    'two API keys with one token (hash case ignored)',
    (d) => (d.api_keys[1].token_sha256 = 'a'.repeat(64)),
    'api_keys[1].token_sha256: duplicate of api_keys[0].token_sha256',
  ],
  [
    'a V1 profile with two keys',
    (d) => d.profiles[1].keys.push({ provider: 'pem', path: 'keys/other.pem' }),
    'profiles[1].keys: sbv1-ecdsa-p256 signs with exactly 1 key, found 2',
  ],
  [
    'the same key twice in a profile',
    (d) => d.profiles[0].keys.push(kmsKey('alias/fw-rsa')),
    'profiles[0].keys[2]: same key as keys[1]',
  ],
  [
    'a KMS key for a P-192 profile',
    (d) => Object.assign(d.profiles[0], { scheme: 'sbv2-ecdsa-p192', allowed_chips: undefined }),
    'profiles[0].keys[1].provider: AWS KMS has no ecdsa-p192 keys for sbv2-ecdsa-p192',
  ],
  [
    'an unknown chip',
    (d) => (d.profiles[0].allowed_chips = ['ESP32-S3', 'ESP32-X9']),
    "profiles[0].allowed_chips[1]: unknown chip 'ESP32-X9' (known: ESP32, ESP32-S2, ESP32-C3",
  ],
  [
    'a chip that cannot boot the scheme',
    (d) => (d.profiles[1].allowed_chips = ['esp32-s3']),
    'profiles[1].allowed_chips[0]: ESP32-S3 cannot boot sbv1-ecdsa-p256 images',
  ],
  [
    'a chip that cannot boot the key type',
    (d) => Object.assign(d.profiles[0], { scheme: 'sbv2-ecdsa-p256' }),
    'profiles[0].allowed_chips[0]: ESP32-S3 cannot boot sbv2-ecdsa-p256 images (and 1 more problem)',
  ],
  [
    'more keys than the chip reads',
    (d) => (d.profiles[0].allowed_chips = ['ESP32-S3', 'ESP32']),
    'profiles[0].allowed_chips[1]: ESP32 reads 1 signature block(s); the profile has 2 keys',
  ],
  [
    'an API key for an unknown profile',
    (d) => (d.api_keys[0].profiles = ['rsa-prod', 'rsa-test']),
    "api_keys[0].profiles[1]: unknown profile 'rsa-test'",
  ],
  [
    'an API key of an unknown tenant',
    (d) => (d.api_keys[0].tenant = 'acne'),
    "api_keys[0].tenant: unknown tenant 'acne' (list it under tenants)",
  ],
  [
    "'*' mixed with profile names",
    (d) => (d.api_keys[1].profiles = ['*', 'v1']),
    "api_keys[1].profiles: '*' already allows every profile; list names or '*' alone",
  ],
];

describe('configuration cross-checks', () => {
  it.each(cases)('refuses %s', (_what, breakIt, expected) => {
    const data = validConfigData();
    breakIt(data);
    const message = configErrorOf(() => parseData(data));
    expect(message.startsWith(`fleetsign.yaml: ${expected}`)).toBe(true);
  });

  it('accepts a chip list that fits the scheme and key count', () => {
    const data = validConfigData();
    data.profiles[1].allowed_chips = ['ESP32'];
    expect(parseData(data).profiles[1].allowedChips).toEqual(['ESP32']);
  });
});

describe('key and secret reference checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-refs-'));
    mkdirSync(join(dir, 'pins'));
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'pins/fwsign'), '1234\n');
    writeFileSync(join(dir, 'keys/v1.pem'), 'pem');
    writeFileSync(join(dir, 'pkcs11.so'), 'module');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withLocalModule = () => {
    const data = validConfigData();
    data.profiles[0].keys[0].module = './pkcs11.so';
    return data;
  };
  const signerChecks = { checkKeyReferences: true, env: { ACME_WEBHOOK_SECRET: 'whsec_x' } };

  it('passes when every referenced file and variable exists', () => {
    expect(() =>
      parseData(withLocalModule(), { baseDir: dir, ...signerChecks, checkWebhookSecrets: true }),
    ).not.toThrow();
  });

  it('names a missing PIN file', () => {
    rmSync(join(dir, 'pins/fwsign'));
    expect(configErrorOf(() => parseData(withLocalModule(), { baseDir: dir, ...signerChecks }))).toBe(
      `fleetsign.yaml: profiles[0].keys[0].pin_file: file not found (${join(dir, 'pins/fwsign')})`,
    );
  });

  it('names a PIN file that is a directory', () => {
    rmSync(join(dir, 'pins/fwsign'));
    mkdirSync(join(dir, 'pins/fwsign'));
    expect(configErrorOf(() => parseData(withLocalModule(), { baseDir: dir, ...signerChecks }))).toBe(
      `fleetsign.yaml: profiles[0].keys[0].pin_file: is a directory, not a file (${join(dir, 'pins/fwsign')})`,
    );
  });

  it('names an unset PIN variable', () => {
    const data = withLocalModule();
    Object.assign(data.profiles[0].keys[0], { pin_file: undefined, pin_env: 'HSM_PIN' });
    expect(configErrorOf(() => parseData(data, { baseDir: dir, ...signerChecks }))).toBe(
      'fleetsign.yaml: profiles[0].keys[0].pin_env: environment variable HSM_PIN is not set',
    );
  });

  it('names a missing PKCS#11 module and a missing PEM file', () => {
    rmSync(join(dir, 'pkcs11.so'));
    expect(configErrorOf(() => parseData(withLocalModule(), { baseDir: dir, ...signerChecks }))).toBe(
      `fleetsign.yaml: profiles[0].keys[0].module: file not found (${join(dir, 'pkcs11.so')})`,
    );
    writeFileSync(join(dir, 'pkcs11.so'), 'module');
    rmSync(join(dir, 'keys/v1.pem'));
    expect(configErrorOf(() => parseData(withLocalModule(), { baseDir: dir, ...signerChecks }))).toBe(
      `fleetsign.yaml: profiles[1].keys[0].path: file not found (${join(dir, 'keys/v1.pem')})`,
    );
  });

  it('names a missing webhook secret when the notifier asks', () => {
    const data = withLocalModule();
    data.tenants[1].webhook_secret_file = 'ops.secret';
    expect(
      configErrorOf(() =>
        parseData(data, { baseDir: dir, checkWebhookSecrets: true, env: signerChecks.env }),
      ),
    ).toBe(`fleetsign.yaml: tenants[1].webhook_secret_file: file not found (${join(dir, 'ops.secret')})`);
  });

  it('leaves key and secret files alone for a process without keys', () => {
    // None of the referenced files exists: reading any of them would throw.
    rmSync(join(dir, 'pins/fwsign'));
    rmSync(join(dir, 'keys/v1.pem'));
    const data = withLocalModule();
    data.tenants[1].webhook_secret_file = 'ops.secret';
    const config = parseData(data, { baseDir: dir, env: {} });
    expect(config.profiles[0].keys[0]).toMatchObject({
      pin: { source: 'file', path: join(dir, 'pins/fwsign') },
    });
    expect(config.tenants[1].webhookSecret).toMatchObject({ source: 'file', path: join(dir, 'ops.secret') });
  });
});
