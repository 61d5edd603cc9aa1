import { type FleetWiring, fleetServiceEnv, gatewayUrlOf, inheritedServiceEnv } from './fleet-env';
import { FLEET_ROLES } from './service-process';

describe('fleetServiceEnv', () => {
  const wiring: FleetWiring = {
    configFile: '/data/fleetsign.yaml',
    redisUrl: 'redis://127.0.0.1:7000',
    redisPrefix: 'fleetsign-demo-1',
    store: { driver: 'fs', root: '/data/objects', signingSecretFile: '/data/secrets/fs-signing-secret' },
    softHsmConf: '/data/softhsm/softhsm2.conf',
    gatewayHost: '127.0.0.1',
    gatewayPort: 4321,
    signerMetricsPorts: [5001, 5002],
    notifierMetricsPort: 5003,
    webhookAllowPrivateTargets: '127.0.0.1',
  };
  const inherited = inheritedServiceEnv({
    PATH: '/usr/bin',
    REDIS_URL: 'redis://elsewhere:6379',
    SOFTHSM2_CONF: '/etc/softhsm2.conf',
    FLEETSIGN_STORAGE_DRIVER: 's3',
    FLEETSIGN_S3_BUCKET: 'prod',
    FLEETSIGN_LOG_LEVEL: 'debug',
  });
  const env = (role: (typeof FLEET_ROLES)[number], index = 0) => fleetServiceEnv(role, wiring, inherited, index);

  it('gives every service the fleet configuration and none of the caller FleetSign settings', () => {
    for (const role of FLEET_ROLES) {
      expect(env(role)).toMatchObject({
        PATH: '/usr/bin',
        FLEETSIGN_LOG_LEVEL: 'debug',
        FLEETSIGN_CONFIG: '/data/fleetsign.yaml',
        REDIS_URL: wiring.redisUrl,
        FLEETSIGN_REDIS_PREFIX: wiring.redisPrefix,
        FLEETSIGN_PUBLIC_BASE_URL: 'http://127.0.0.1:4321',
      });
      expect(env(role).FLEETSIGN_S3_BUCKET).toBeUndefined();
    }
  });

  it('wires the fs store for the gateway and signer only, the secret by file', () => {
    for (const role of ['gateway', 'signer'] as const) {
      expect(env(role)).toMatchObject({
        FLEETSIGN_STORAGE_DRIVER: 'fs',
        FLEETSIGN_FS_ROOT: '/data/objects',
        FLEETSIGN_FS_SIGNING_SECRET_FILE: '/data/secrets/fs-signing-secret',
      });
      expect(env(role).FLEETSIGN_FS_SIGNING_SECRET).toBeUndefined();
    }
    expect(env('notifier').FLEETSIGN_STORAGE_DRIVER).toBeUndefined();
    expect(env('gateway')).toMatchObject({ FLEETSIGN_GATEWAY_HOST: '127.0.0.1', FLEETSIGN_GATEWAY_PORT: '4321' });
  });

  it('wires an S3 store with path-style addressing by default', () => {
    const s3 = fleetServiceEnv('signer', {
      ...wiring,
      store: { driver: 's3', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: 'b', accessKeyId: 'a', secretAccessKey: 's' },
    }, inherited);
    expect(s3).toMatchObject({ FLEETSIGN_STORAGE_DRIVER: 's3', FLEETSIGN_S3_BUCKET: 'b', FLEETSIGN_S3_FORCE_PATH_STYLE: 'true' });
  });

  it('lets only the signer reach the token and only the notifier post to loopback', () => {
    expect(env('signer').SOFTHSM2_CONF).toBe(wiring.softHsmConf);
    expect(env('gateway').SOFTHSM2_CONF).toBeUndefined();
    expect(env('notifier').SOFTHSM2_CONF).toBeUndefined();
    expect(env('notifier').FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe('127.0.0.1');
    expect(env('gateway').FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS).toBeUndefined();
  });

  it('gives each signer its own loopback metrics port', () => {
    expect(env('signer', 1)).toMatchObject({ FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1', FLEETSIGN_SIGNER_METRICS_PORT: '5002' });
    expect(env('notifier')).toMatchObject({ FLEETSIGN_NOTIFIER_METRICS_PORT: '5003' });
  });

  it('points clients at loopback when the gateway listens on every interface', () => {
    expect(gatewayUrlOf({ gatewayHost: '0.0.0.0', gatewayPort: 8080 })).toBe('http://127.0.0.1:8080');
  });
});
