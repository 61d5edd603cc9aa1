import { parseFleetSignConfig } from '@fleetsign/config';
import { DEMO_EC_PROFILE, DEMO_LOG_ORIGIN, DEMO_PROFILE, DEMO_TENANT, demoConfigYaml } from './demo-config';

describe('demoConfigYaml', () => {
  const input = {
    modulePath: '/usr/lib/softhsm/libsofthsm2.so',
    pinFile: 'secrets/hsm-user-pin',
    webhookSecretFile: 'secrets/webhook-secret',
    apiTokenSha256: 'ab'.repeat(32),
  };

  it('is a valid FleetSign configuration with the demo profile, tenant and API key', () => {
    const config = parseFleetSignConfig(demoConfigYaml(input), {
      source: 'fleetsign.yaml',
      baseDir: '/data/demo',
    });
    const profile = config.profiles.find((p) => p.name === DEMO_PROFILE);
    expect(profile).toMatchObject({ scheme: 'sbv2-rsa3072', state: 'active', allowedChips: ['ESP32-S3'] });
    expect(profile?.keys).toEqual([
      expect.objectContaining({
        provider: 'pkcs11',
        modulePath: input.modulePath,
        tokenLabel: 'fleetsign-demo',
        keyLabel: 'fw-rsa-3072',
        pin: expect.objectContaining({ source: 'file', path: '/data/demo/secrets/hsm-user-pin' }),
      }),
    ]);
    expect(config.profiles.map((p) => p.name)).toEqual([DEMO_PROFILE, DEMO_EC_PROFILE]);
    expect(config.tenants).toEqual([
      expect.objectContaining({
        name: DEMO_TENANT,
        webhookSecret: expect.objectContaining({ path: '/data/demo/secrets/webhook-secret' }),
      }),
    ]);
    expect(config.apiKeys).toEqual([
      expect.objectContaining({
        tenant: DEMO_TENANT,
        tokenSha256: input.apiTokenSha256,
        scopes: ['sign', 'read'],
      }),
    ]);
    expect(config.transparencyLog).toMatchObject({
      origin: DEMO_LOG_ORIGIN,
      key: expect.objectContaining({ provider: 'pkcs11', tokenLabel: 'fleetsign-demo', keyLabel: 'fleetsign-log-p256' }),
      storePrefix: 'log/',
    });
  });

  it('holds the token hash but no secret value', () => {
    const yaml = demoConfigYaml(input);
    expect(yaml).toContain(input.apiTokenSha256);
    expect(yaml).not.toMatch(/\b(pin|secret|token|password):/);
  });
});
