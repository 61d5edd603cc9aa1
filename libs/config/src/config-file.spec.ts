import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_PATH_ENV, loadFleetSignConfig, parseFleetSignConfig } from './config-file';
import { configErrorOf, parseData, validConfigData } from './__fixtures__/config-fixture';

const EXAMPLE = resolve(__dirname, '../../../config/fleetsign.example.yaml');
const parseText = (text: string) =>
  parseFleetSignConfig(text, { source: 'fleetsign.yaml', baseDir: '/etc/fleetsign' });

describe('the example configuration file', () => {
  it('loads and maps every section', () => {
    const config = loadFleetSignConfig(EXAMPLE, {});
    expect(config.source).toBe(EXAMPLE);
    expect(config.profiles.map((p) => [p.name, p.scheme, p.keys.length, p.state])).toEqual([
      ['fw-prod-rsa', 'sbv2-rsa3072', 2, 'active'],
      ['fw-c2-kms', 'sbv2-ecdsa-p256', 1, 'active'],
      ['legacy-esp32-v1', 'sbv1-ecdsa-p256', 1, 'active'],
      ['dev-p384', 'sbv2-ecdsa-p384', 1, 'revoked'],
    ]);
    expect(config.profiles[0].keys[0]).toEqual({
      provider: 'pkcs11',
      modulePath: '/usr/lib/softhsm/libsofthsm2.so',
      tokenLabel: 'fwsign',
      keyLabel: 'fw-rsa-3072',
      publicKeyLabel: 'fw-rsa-3072',
      pin: {
        source: 'file',
        path: '/run/secrets/fwsign-pin',
        origin: EXAMPLE,
        setting: 'profiles[0].keys[0].pin_file',
      },
      sessions: 4,
    });
    expect(config.profiles[1].keys[0]).toEqual({
      provider: 'aws-kms',
      keyId: 'alias/fleetsign-fw-c2',
      region: 'eu-west-1',
    });
    expect(config.profiles[2].keys[0]).toMatchObject({
      slot: 0,
      keyId: '04',
      pin: { source: 'env', name: 'FLEETSIGN_LEGACY_PIN' },
    });
    // Relative paths are relative to the file's directory.
    expect(config.profiles[3].keys[0]).toEqual({
      provider: 'pem',
      path: resolve(EXAMPLE, '../keys/dev-p384.pem'),
    });
    expect(config.transparencyLog).toEqual({
      origin: 'fleetsign.example.com/log',
      key: expect.objectContaining({ provider: 'pkcs11', tokenLabel: 'fwsign', keyLabel: 'fleetsign-log-p256' }),
      checkpointEvery: 1000,
      checkpointIntervalMs: 60_000,
      storePrefix: 'log/',
    });
    expect(config.tenants.map((t) => [t.name, t.webhookSecret?.source])).toEqual([
      ['acme-ci', 'file'],
      ['acme-ota', 'env'],
      ['ops', undefined],
    ]);
    expect(config.apiKeys.map((k) => [k.id, k.tenant, k.profiles, k.scopes])).toEqual([
      ['ci-pipeline', 'acme-ci', ['fw-prod-rsa', 'fw-c2-kms'], ['sign', 'batch', 'read']],
      ['ota-backend', 'acme-ota', ['fw-c2-kms'], ['read']],
      ['operator', 'ops', ['*'], ['admin', 'read']],
      ['release-manager', 'acme-ci', ['fw-prod-rsa'], ['read', 'approve']],
    ]);
    expect(config.profiles[0].approval).toEqual({
      required: 1,
      approverNames: ['release-manager'],
      approverScopes: ['approve'],
      expiresAfterMs: 24 * 3_600_000,
    });
  });
});

describe('parseFleetSignConfig mapping', () => {
  it('normalises chip names, hashes and hex ids and resolves relative paths', () => {
    const data = validConfigData();
    data.profiles[0].keys[0].key_id = 'AB01';
    data.profiles[0].allowed_chips = ['esp32s3', 'ESP32-S3', 'esp32-c3'];
    const config = parseData(data);
    expect(config.profiles[0].allowedChips).toEqual(['ESP32-S3', 'ESP32-C3']);
    expect(config.profiles[0].keys[0]).toMatchObject({
      keyId: 'ab01',
      pin: { path: '/etc/fleetsign/pins/fwsign' },
    });
    expect(config.profiles[1].allowedChips).toBeUndefined();
    expect(config.profiles[1].keys[0]).toEqual({ provider: 'pem', path: '/etc/fleetsign/keys/v1.pem' });
    expect(config.apiKeys[0].tokenSha256).toBe('a'.repeat(64));
  });

  it('keeps a bare PKCS#11 module name for the dynamic loader and resolves one with a slash', () => {
    const data = validConfigData();
    data.profiles[0].keys[0].module = 'libsofthsm2.so';
    expect(parseData(data).profiles[0].keys[0]).toMatchObject({ modulePath: 'libsofthsm2.so' });
    data.profiles[0].keys[0].module = './lib/pkcs11.so';
    expect(parseData(data).profiles[0].keys[0]).toMatchObject({ modulePath: '/etc/fleetsign/lib/pkcs11.so' });
  });

  it('accepts an empty file as a configuration with nothing in it', () => {
    expect(parseText('')).toEqual({ source: 'fleetsign.yaml', profiles: [], apiKeys: [], tenants: [] });
  });
});

describe('the transparency_log section', () => {
  const section = (extra: string) => `transparency_log:\n  origin: fleetsign.test/log\n  key: {provider: pem, path: log.pem}\n${extra}`;

  it('applies the defaults and resolves the key like a profile key', () => {
    expect(parseText(section('')).transparencyLog).toEqual({
      origin: 'fleetsign.test/log',
      key: { provider: 'pem', path: '/etc/fleetsign/log.pem' },
      checkpointEvery: 1000,
      checkpointIntervalMs: 60_000,
      storePrefix: 'log/',
    });
  });

  it.each([
    ['an origin with a space', 'transparency_log:\n  origin: my log\n  key: {provider: pem, path: log.pem}\n', /transparency_log\.origin/],
    ['a store prefix without a trailing slash', section('  store_prefix: log\n'), /transparency_log\.store_prefix/],
    ['a zero cadence', section('  checkpoint_every: 0\n'), /transparency_log\.checkpoint_every/],
    ['an unknown setting', section('  checkpoints: 5\n'), /transparency_log/],
  ])('refuses %s, naming the setting', (_what, text, setting) => {
    expect(configErrorOf(() => parseText(text))).toMatch(setting);
  });
});

describe('parseFleetSignConfig refuses bad YAML', () => {
  it('names the line of a syntax error', () => {
    expect(configErrorOf(() => parseText('profiles: []\nprofiles: []\n'))).toBe(
      'fleetsign.yaml: line 2, column 1: invalid YAML: Map keys must be unique',
    );
  });

  it('does not copy file content into the message', () => {
    const message = configErrorOf(() => parseText('tenants:\n- name: a\n  "s3cr3t-value" x: 1\n :'));
    expect(message).toMatch(/^fleetsign\.yaml: line \d+, column \d+: invalid YAML/);
    expect(message).not.toContain('s3cr3t-value');
  });

  it('refuses a file that is not a mapping', () => {
    expect(configErrorOf(() => parseText('- a\n- b\n'))).toBe(
      'fleetsign.yaml: the file must hold a mapping with profiles, api_keys and tenants',
    );
  });

  it('refuses an alias to a missing anchor', () => {
    expect(configErrorOf(() => parseText('profiles: *nothing\n'))).toMatch(
      /^fleetsign\.yaml: invalid YAML: Unresolved alias/,
    );
  });
});

describe('parseFleetSignConfig refuses inline secrets', () => {
  it.each(['pin', 'credentials'])('a key with %s', (setting) => {
    const data = validConfigData();
    delete data.profiles[0].keys[0].pin_file;
    data.profiles[0].keys[0][setting] = '123456';
    const message = configErrorOf(() => parseData(data));
    expect(message).toBe(
      `fleetsign.yaml: profiles[0].keys[0].${setting}: PINs are never written in the config file; use pin_file or pin_env`,
    );
    expect(message).not.toContain('123456');
  });

  it('a tenant with secret or webhook_secret', () => {
    const data = validConfigData();
    data.tenants[0] = { name: 'acme', secret: 'whsec_c2VjcmV0' };
    data.tenants[1].webhook_secret = 'whsec_c2VjcmV0';
    expect(configErrorOf(() => parseData(data))).toBe(
      'fleetsign.yaml: tenants[0].secret: secrets are never written in the config file; ' +
        'use webhook_secret_file or webhook_secret_env (and 1 more problem)',
    );
  });

  it('an API key with its token', () => {
    const data = validConfigData();
    data.api_keys[1].token = 'fsk_plain';
    expect(configErrorOf(() => parseData(data))).toBe(
      'fleetsign.yaml: api_keys[1].token: API tokens are never written in the config file; use token_sha256 (the hex SHA-256 of the token)',
    );
  });

  it('a password anywhere, whatever its case', () => {
    const data = validConfigData();
    data.profiles[0].Password = 'x';
    expect(configErrorOf(() => parseData(data))).toMatch(
      /^fleetsign\.yaml: profiles\[0\]\.Password: secrets are never written/,
    );
  });
});

describe('loadFleetSignConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the path in FLEETSIGN_CONFIG when no path is given', () => {
    const path = join(dir, 'fleetsign.yaml');
    writeFileSync(path, 'profiles: []\n');
    expect(loadFleetSignConfig(undefined, { [CONFIG_PATH_ENV]: path }).source).toBe(path);
  });

  it('needs a path', () => {
    expect(configErrorOf(() => loadFleetSignConfig(undefined, {}))).toBe(
      'environment: FLEETSIGN_CONFIG: is required: the path of the FleetSign configuration file',
    );
  });

  it('reports a missing file', () => {
    const path = join(dir, 'missing.yaml');
    expect(configErrorOf(() => loadFleetSignConfig(path, {}))).toBe(
      `${path}: cannot read the configuration file (file not found)`,
    );
  });
});
