import { buildEspImage, parseEspImage } from '@fleetsign/secure-boot';
import { SigningPolicy } from './signing-policy';

// The facts a signing is decided on, from the job and the parsed image.

const ESP32_C6 = 13;

describe('SigningPolicy.decide', () => {
  const ledger = { checkAndRaise: async () => ({ verdict: 'ok' as const, previous: 1 }) };

  it("reports the requester and the image's app description", async () => {
    const policy = new SigningPolicy({ ledger, profileConfig: () => ({}) });
    const image = parseEspImage(buildEspImage({ chipId: ESP32_C6, size: 8192, secureVersion: 3, projectName: 'door-lock', version: 'v2.0.1' }));
    await expect(policy.decide({ profile: 'release', requester: 'ci-main' }, image, { keys: [] })).resolves.toEqual({
      requester: 'ci-main',
      app: { projectName: 'door-lock', version: 'v2.0.1', secureVersion: 3, idfVersion: 'v5.5.1', buildDate: 'Jan  1 2026', buildTime: '12:00:00' },
    });
  });

  it('adds the previously signed secure_version under an anti-rollback rule', async () => {
    const policy = new SigningPolicy({ ledger, profileConfig: () => ({ antiRollback: { monotonic: true } }) });
    const image = parseEspImage(buildEspImage({ chipId: ESP32_C6, size: 8192, secureVersion: 3 }));
    await expect(policy.decide({ profile: 'release' }, image, { keys: [] })).resolves.toMatchObject({ previousSecureVersion: 1, app: { secureVersion: 3 } });
  });

  it('reports no app for an image without an app description', async () => {
    const policy = new SigningPolicy({ ledger, profileConfig: () => ({ antiRollback: { monotonic: true } }) });
    await expect(policy.decide({ profile: 'release', requester: 'ci' }, { appDescription: undefined }, { keys: [] })).resolves.toEqual({ requester: 'ci' });
  });
});
