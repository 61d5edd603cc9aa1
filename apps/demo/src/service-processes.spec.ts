import { demoPaths } from './demo-paths';
import { serviceEnvironments } from './service-processes';

describe('serviceEnvironments', () => {
  const paths = demoPaths('/repo', { FLEETSIGN_DEMO_DIR: '/data/demo' });
  const wiring = {
    redisUrl: 'redis://127.0.0.1:7000',
    redisPrefix: 'fleetsign-demo-1',
    gatewayPort: 4321,
    softHsmConf: '/data/demo/softhsm/softhsm2.conf',
  };
  const inherited = {
    PATH: '/usr/bin',
    REDIS_URL: 'redis://elsewhere:6379',
    SOFTHSM2_CONF: '/etc/softhsm2.conf',
    FLEETSIGN_STORAGE_DRIVER: 's3',
    FLEETSIGN_S3_BUCKET: 'prod',
    FLEETSIGN_LOG_LEVEL: 'debug',
  };
  const envs = serviceEnvironments(paths, wiring, inherited);

  it('gives every service the run configuration and none of the caller FleetSign settings', () => {
    for (const env of Object.values(envs)) {
      expect(env).toMatchObject({
        PATH: '/usr/bin',
        FLEETSIGN_LOG_LEVEL: 'debug',
        FLEETSIGN_CONFIG: '/data/demo/fleetsign.yaml',
        REDIS_URL: wiring.redisUrl,
        FLEETSIGN_REDIS_PREFIX: wiring.redisPrefix,
      });
      expect(env.FLEETSIGN_S3_BUCKET).toBeUndefined();
    }
  });

  it('wires the fs store for the gateway and signer only', () => {
    for (const name of ['gateway', 'signer'] as const) {
      expect(envs[name]).toMatchObject({
        FLEETSIGN_STORAGE_DRIVER: 'fs',
        FLEETSIGN_FS_ROOT: '/data/demo/objects',
        FLEETSIGN_FS_SIGNING_SECRET_FILE: '/data/demo/secrets/fs-signing-secret',
        FLEETSIGN_PUBLIC_BASE_URL: 'http://127.0.0.1:4321',
      });
    }
    expect(envs.notifier.FLEETSIGN_STORAGE_DRIVER).toBeUndefined();
    expect(envs.gateway).toMatchObject({
      FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
      FLEETSIGN_GATEWAY_PORT: '4321',
    });
  });

  it('lets only the signer reach the token and only the notifier post to loopback', () => {
    expect(envs.signer.SOFTHSM2_CONF).toBe(wiring.softHsmConf);
    expect(envs.gateway.SOFTHSM2_CONF).toBeUndefined();
    expect(envs.notifier.SOFTHSM2_CONF).toBeUndefined();
    expect(envs.notifier.FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS).toBe('127.0.0.1');
    expect(envs.gateway.FLEETSIGN_WEBHOOK_ALLOW_PRIVATE_TARGETS).toBeUndefined();
  });
});
