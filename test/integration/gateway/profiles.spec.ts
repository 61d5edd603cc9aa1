import { createHash, generateKeyPairSync } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { type ProfileKeysRecord, publishProfileKeys } from '@fleetsign/queue/profile-key-directory';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// GET /v1/profiles and the public keys a signer publishes to Redis.

function publishedKey(index: number) {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const digest = createHash('sha256').update(publicKeyPem).digest('hex');
  return { index, algorithm: 'ecdsa-p256' as const, publicKeyPem, keyDigestSha256: digest, keyDigestEfuse: digest };
}

describe('gateway profiles', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('describes each allowed profile without key locators', async () => {
    const res = await h.api('/v1/profiles', { token: h.tokenA });
    expect(res.status).toBe(200);
    const { profiles } = (await res.json()) as { profiles: Array<Record<string, unknown>> };
    expect(profiles).toEqual([
      { name: PROFILES.rsa, scheme: 'sbv2-rsa3072', state: 'active', keys: [{ index: 0, state: 'active' }], allowedChips: ['ESP32-S3'], keyCount: 1 },
      {
        name: PROFILES.p256,
        scheme: 'sbv2-ecdsa-p256',
        state: 'active',
        keys: [{ index: 0, state: 'active' }, { index: 1, state: 'active' }],
        allowedChips: expect.arrayContaining(['ESP32-C2', 'ESP32-C6', 'ESP32-H2']),
        keyCount: 2,
      },
      { name: PROFILES.revoked, scheme: 'sbv1-ecdsa-p256', state: 'revoked', keys: [{ index: 0, state: 'active' }], allowedChips: ['ESP32'], keyCount: 1 },
    ]);
    const text = JSON.stringify(profiles);
    expect(text).not.toMatch(/softhsm|pkcs11|fw-ec-p256|pin/i);
  });

  it('serves the public keys once a signer has published them (503 before)', async () => {
    const before = await h.api(`/v1/profiles/${PROFILES.p256}/public-keys`, { token: h.tokenA });
    expect(before.status).toBe(503);
    expect(before.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await before.json()).toMatchObject({ status: 503, code: ErrorCode.ProfileKeysUnavailable });

    const record: ProfileKeysRecord = {
      profile: PROFILES.p256,
      scheme: 'sbv2-ecdsa-p256',
      publishedAt: new Date().toISOString(),
      keys: [publishedKey(0), publishedKey(1)],
    };
    await publishProfileKeys(h.redis, h.prefix, record);

    const after = await h.api(`/v1/profiles/${PROFILES.p256}/public-keys`, { token: h.tokenA });
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-control')).toBe('no-store');
    expect(await after.json()).toEqual({
      profile: PROFILES.p256,
      scheme: 'sbv2-ecdsa-p256',
      state: 'active',
      publishedAt: record.publishedAt,
      keys: record.keys,
    });
  });

  it('answers 404 for an unknown profile and 403 for one the key may not use', async () => {
    const unknown = await h.api('/v1/profiles/no-such-profile/public-keys', { token: h.tokenA });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: ErrorCode.UnknownProfile });
    const forbidden = await h.api(`/v1/profiles/${PROFILES.tenantBOnly}/public-keys`, { token: h.tokenA });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: ErrorCode.Forbidden });
  });
});
