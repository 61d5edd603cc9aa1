import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configErrorOf } from './__fixtures__/config-fixture';
import { parseByteSize } from './env-settings';
import { loadGatewayConfig } from './gateway-config';
import { loadNotifierConfig } from './notifier-config';
import { loadRedisConfig } from './redis-config';
import { resolveSecret } from './secret-ref';
import { loadSignerConfig } from './signer-config';
import { loadStorageConfig } from './storage-config';

describe('redis settings', () => {
  it('defaults to a local Redis and the {fleetsign} prefix', () => {
    expect(loadRedisConfig({})).toEqual({ url: 'redis://127.0.0.1:6379', prefix: '{fleetsign}' });
    expect(loadRedisConfig({ FLEETSIGN_REDIS_ALLOW_VOLATILE: 'true' })).toMatchObject({ allowVolatile: true });
    expect(loadRedisConfig({ FLEETSIGN_REDIS_ALLOW_VOLATILE: 'false' })).not.toHaveProperty('allowVolatile');
  });

  it('wraps a bare prefix in a hash tag and keeps a wrapped one', () => {
    expect(loadRedisConfig({ REDIS_URL: 'rediss://r:6380/2', FLEETSIGN_REDIS_PREFIX: 'fs-prod' })).toEqual({
      url: 'rediss://r:6380/2',
      prefix: '{fs-prod}',
    });
    expect(loadRedisConfig({ FLEETSIGN_REDIS_PREFIX: '{fs}' }).prefix).toBe('{fs}');
  });

  it.each([
    [{ REDIS_URL: 'http://r:6379' }, 'REDIS_URL: must be a redis:// or rediss:// URL'],
    [
      { FLEETSIGN_REDIS_PREFIX: 'a{b}' },
      'FLEETSIGN_REDIS_PREFIX: must be a name without blanks, bare (fleetsign) or in braces ({fleetsign})',
    ],
  ])('refuses %j', (env, expected) => {
    expect(configErrorOf(() => loadRedisConfig(env))).toBe(`environment: ${expected}`);
  });
});

describe('gateway settings', () => {
  it('has defaults', () => {
    expect(loadGatewayConfig({})).toEqual({
      port: 3000,
      host: '0.0.0.0',
      bodyLimit: 1024 * 1024,
      maxImageBytes: 16 * 1024 * 1024,
      publicBaseUrl: 'http://127.0.0.1:3000',
      batchBodyLimit: 8 * 1024 * 1024,
      batchFairShareSlice: 100,
      intakePrefix: 'intake/',
    });
  });

  it('reads every variable', () => {
    const env = {
      FLEETSIGN_GATEWAY_PORT: '8443',
      FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
      FLEETSIGN_GATEWAY_BODY_LIMIT: '64KiB',
      FLEETSIGN_MAX_IMAGE_BYTES: '4MB',
      FLEETSIGN_PUBLIC_BASE_URL: 'https://sign.example.com/',
      FLEETSIGN_GATEWAY_BATCH_BODY_LIMIT: '16MiB',
      FLEETSIGN_BATCH_FAIR_SHARE_SLICE: '250',
      FLEETSIGN_INTAKE_PREFIX: 'fleetsign/intake/',
    };
    expect(loadGatewayConfig(env)).toEqual({
      port: 8443,
      host: '127.0.0.1',
      bodyLimit: 65536,
      maxImageBytes: 4_000_000,
      publicBaseUrl: 'https://sign.example.com',
      batchBodyLimit: 16 * 1024 * 1024,
      batchFairShareSlice: 250,
      intakePrefix: 'fleetsign/intake/',
    });
  });

  it('derives the public URL from the port and treats empty variables as unset', () => {
    expect(
      loadGatewayConfig({ FLEETSIGN_GATEWAY_PORT: '8080', FLEETSIGN_GATEWAY_HOST: '' }).publicBaseUrl,
    ).toBe('http://127.0.0.1:8080');
  });

  it.each([
    [{ FLEETSIGN_GATEWAY_PORT: 'abc' }, 'FLEETSIGN_GATEWAY_PORT: must be a whole number'],
    [{ FLEETSIGN_GATEWAY_PORT: '70000' }, 'FLEETSIGN_GATEWAY_PORT: must be at most 65535'],
    [{ FLEETSIGN_GATEWAY_HOST: 'bad host' }, 'FLEETSIGN_GATEWAY_HOST: must be an IP address or a host name'],
    [
      { FLEETSIGN_GATEWAY_BODY_LIMIT: '1 parsec' },
      "FLEETSIGN_GATEWAY_BODY_LIMIT: must be a size in bytes such as 1048576 or 16MiB, found '1 parsec'",
    ],
    [{ FLEETSIGN_MAX_IMAGE_BYTES: '1GiB' }, 'FLEETSIGN_MAX_IMAGE_BYTES: must be at most 268435456 bytes'],
    [{ FLEETSIGN_BATCH_FAIR_SHARE_SLICE: '0' }, 'FLEETSIGN_BATCH_FAIR_SHARE_SLICE: must be at least 1'],
    [
      { FLEETSIGN_PUBLIC_BASE_URL: 'ftp://x' },
      'FLEETSIGN_PUBLIC_BASE_URL: must be an http:// or https:// URL',
    ],
  ])('refuses %j', (env, expected) => {
    expect(configErrorOf(() => loadGatewayConfig(env))).toBe(`environment: ${expected}`);
  });
});

describe('byte sizes', () => {
  it.each([
    ['1048576', 1048576],
    ['16MiB', 16 * 1024 * 1024],
    ['1.5 KiB', 1536],
    ['2gb', 2e9],
    ['10B', 10],
    ['-1', undefined],
    ['1.5', undefined],
    ['16 MiBs', undefined],
  ])('%s', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });
});

describe('signer settings', () => {
  it('has defaults and reads every variable', () => {
    expect(loadSignerConfig({})).toEqual({
      concurrency: 16, // JOBS_PER_PKCS11_SESSION (4) per session
      pkcs11Sessions: 4,
      maxImageBytes: 16 * 1024 * 1024,
      shutdownTimeoutMs: 30_000,
      retryHorizonMs: 1_800_000,
      retryMaxDelayMs: 30_000,
    });
    expect(
      loadSignerConfig({
        FLEETSIGN_SIGNER_CONCURRENCY: '16',
        FLEETSIGN_PKCS11_SESSIONS: '8',
        FLEETSIGN_MAX_IMAGE_BYTES: '8MiB',
        FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '0',
      }),
    ).toEqual({
      concurrency: 16,
      pkcs11Sessions: 8,
      maxImageBytes: 8 * 1024 * 1024,
      shutdownTimeoutMs: 0,
      retryHorizonMs: 1_800_000,
      retryMaxDelayMs: 30_000,
    });
    expect(loadSignerConfig({ FLEETSIGN_RETRY_HORIZON_SEC: '60', FLEETSIGN_RETRY_MAX_DELAY_MS: '500' })).toMatchObject({
      retryHorizonMs: 60_000,
      retryMaxDelayMs: 500,
    });
  });

  it('names the bad variable and counts the others', () => {
    expect(
      configErrorOf(() =>
        loadSignerConfig({ FLEETSIGN_SIGNER_CONCURRENCY: '0', FLEETSIGN_PKCS11_SESSIONS: '100' }),
      ),
    ).toBe('environment: FLEETSIGN_SIGNER_CONCURRENCY: must be at least 1 (and 1 more problem)');
  });
});

describe('notifier settings', () => {
  it('has defaults', () => {
    expect(loadNotifierConfig({})).toEqual({
      timeoutMs: 10_000,
      attempts: 10, // every attempt the webhook queue gives a job
      allowPrivateTargets: { cidrs: [], hosts: [] },
    });
  });

  it('parses the private target allow-list', () => {
    const env = {
      FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8, fd00::/8 192.168.1.5,Hooks.Internal,::1',
    };
    expect(loadNotifierConfig(env).allowPrivateTargets).toEqual({
      cidrs: ['10.0.0.0/8', 'fd00::/8', '192.168.1.5/32', '::1/128'],
      hosts: ['hooks.internal'],
    });
  });

  it.each(['10.0.0.0/33', 'fd00::/129', 'host/8', 'under_score.local', '10.0.0.0/8/1'])(
    'refuses %s',
    (entry) => {
      expect(
        configErrorOf(() => loadNotifierConfig({ FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: entry })),
      ).toBe(
        `environment: FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS: '${entry}' is neither a network (10.0.0.0/8, fd00::/8), an IP address nor a host name`,
      );
    },
  );

  it('refuses out-of-range numbers', () => {
    expect(configErrorOf(() => loadNotifierConfig({ FLEETSIGN_WEBHOOK_ATTEMPTS: '0' }))).toBe(
      'environment: FLEETSIGN_WEBHOOK_ATTEMPTS: must be at least 1',
    );
    expect(configErrorOf(() => loadNotifierConfig({ FLEETSIGN_WEBHOOK_TIMEOUT_MS: '5' }))).toBe(
      'environment: FLEETSIGN_WEBHOOK_TIMEOUT_MS: must be at least 100',
    );
  });
});

describe('storage settings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-storage-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to the fs driver, which needs a signing secret', () => {
    expect(configErrorOf(() => loadStorageConfig({}))).toBe(
      'environment: FLEETSIGN_FS_SIGNING_SECRET: is required by the fs storage driver (or set FLEETSIGN_FS_SIGNING_SECRET_FILE)',
    );
    const config = loadStorageConfig({
      FLEETSIGN_FS_SIGNING_SECRET: 'k',
      FLEETSIGN_PUBLIC_BASE_URL: 'https://gw.example/',
    });
    expect(config).toEqual({
      driver: 'fs',
      root: resolve('.data/objects'),
      publicBaseUrl: 'https://gw.example',
      signingSecret: {
        source: 'env',
        name: 'FLEETSIGN_FS_SIGNING_SECRET',
        origin: 'environment',
        setting: 'FLEETSIGN_FS_SIGNING_SECRET',
      },
    });
  });

  it('reads fs settings with the secret from a file', () => {
    writeFileSync(join(dir, 'fs.key'), 'file-secret\n');
    const env = {
      FLEETSIGN_STORAGE_DRIVER: 'fs',
      FLEETSIGN_FS_ROOT: dir,
      FLEETSIGN_FS_PUBLIC_BASE_URL: 'http://127.0.0.1:9000',
      FLEETSIGN_FS_SIGNING_SECRET_FILE: join(dir, 'fs.key'),
    };
    const config = loadStorageConfig(env);
    expect(config).toMatchObject({ driver: 'fs', root: dir, publicBaseUrl: 'http://127.0.0.1:9000' });
    expect(config.driver === 'fs' && resolveSecret(config.signingSecret, env)).toBe('file-secret');
  });

  it('reads s3 settings; path style follows a custom endpoint unless set', () => {
    const env = {
      FLEETSIGN_STORAGE_DRIVER: 's3',
      FLEETSIGN_S3_ENDPOINT: 'http://127.0.0.1:4569',
      FLEETSIGN_S3_BUCKET: 'firmware',
      FLEETSIGN_S3_ACCESS_KEY_ID: 'AKIA',
      FLEETSIGN_S3_SECRET_ACCESS_KEY: 'secret',
      FLEETSIGN_S3_PUBLIC_ENDPOINT: 'https://s3.example.com',
    };
    const config = loadStorageConfig(env);
    expect(config).toMatchObject({
      driver: 's3',
      endpoint: 'http://127.0.0.1:4569',
      region: 'us-east-1',
      bucket: 'firmware',
      forcePathStyle: true,
      publicEndpoint: 'https://s3.example.com',
      accessKeyId: { source: 'env', name: 'FLEETSIGN_S3_ACCESS_KEY_ID' },
      secretAccessKey: { source: 'env', name: 'FLEETSIGN_S3_SECRET_ACCESS_KEY' },
    });
    expect(loadStorageConfig({ ...env, FLEETSIGN_S3_FORCE_PATH_STYLE: 'false' })).toMatchObject({
      forcePathStyle: false,
    });
    expect(
      loadStorageConfig({
        FLEETSIGN_STORAGE_DRIVER: 's3',
        FLEETSIGN_S3_BUCKET: 'fw1',
        FLEETSIGN_S3_REGION: 'eu-west-1',
      }),
    ).toEqual({
      driver: 's3',
      region: 'eu-west-1',
      bucket: 'fw1',
      forcePathStyle: false,
      endpoint: undefined,
      publicEndpoint: undefined,
      accessKeyId: undefined,
      secretAccessKey: undefined,
    });
  });

  it.each([
    [{ FLEETSIGN_STORAGE_DRIVER: 'gcs' }, 'FLEETSIGN_STORAGE_DRIVER: must be one of s3, fs'],
    [{ FLEETSIGN_STORAGE_DRIVER: 's3' }, 'FLEETSIGN_S3_BUCKET: is required'],
    [
      { FLEETSIGN_STORAGE_DRIVER: 's3', FLEETSIGN_S3_BUCKET: 'Firmware_1' },
      'FLEETSIGN_S3_BUCKET: must be a bucket name (3-63 lower-case letters, digits, "." or "-")',
    ],
    [
      { FLEETSIGN_STORAGE_DRIVER: 's3', FLEETSIGN_S3_BUCKET: 'fw1', FLEETSIGN_S3_FORCE_PATH_STYLE: 'maybe' },
      "FLEETSIGN_S3_FORCE_PATH_STYLE: must be true or false, found 'maybe'",
    ],
    [
      { FLEETSIGN_STORAGE_DRIVER: 's3', FLEETSIGN_S3_BUCKET: 'fw1', FLEETSIGN_S3_ACCESS_KEY_ID: 'AKIA' },
      'FLEETSIGN_S3_SECRET_ACCESS_KEY: is required when the other S3 key is set (or set FLEETSIGN_S3_SECRET_ACCESS_KEY_FILE)',
    ],
    [
      {
        FLEETSIGN_STORAGE_DRIVER: 's3',
        FLEETSIGN_S3_BUCKET: 'fw1',
        FLEETSIGN_S3_ACCESS_KEY_ID: 'a',
        FLEETSIGN_S3_ACCESS_KEY_ID_FILE: '/k',
      },
      'FLEETSIGN_S3_ACCESS_KEY_ID: set FLEETSIGN_S3_ACCESS_KEY_ID or FLEETSIGN_S3_ACCESS_KEY_ID_FILE, not both',
    ],
  ])('refuses %j', (env, expected) => {
    expect(configErrorOf(() => loadStorageConfig(env))).toBe(`environment: ${expected}`);
  });

  it('names a missing secret file', () => {
    const env = {
      FLEETSIGN_STORAGE_DRIVER: 's3',
      FLEETSIGN_S3_BUCKET: 'fw1',
      FLEETSIGN_S3_ACCESS_KEY_ID: 'a',
    };
    const path = join(dir, 'none');
    expect(
      configErrorOf(() => loadStorageConfig({ ...env, FLEETSIGN_S3_SECRET_ACCESS_KEY_FILE: path })),
    ).toBe(`environment: FLEETSIGN_S3_SECRET_ACCESS_KEY_FILE: file not found (${path})`);
  });
});
