import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { type IssuerKey, type LocalOidcIssuer, startLocalOidcIssuer } from '../../support/oidc-issuer';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// CI identities over real HTTP: a gateway with real Redis and S3 accepts OIDC tokens
// from a local issuer (discovery + JWKS on loopback) per the configured identity.

const AUDIENCE = 'https://fleetsign.test';
const SUBJECT = 'repo:acme/fw:ref:refs/heads/main';
const CI_CLAIMS = { aud: AUDIENCE, sub: SUBJECT, repository: 'acme/fw', ref: 'refs/heads/main' };

describe('OIDC identities', () => {
  let issuer: LocalOidcIssuer;
  let h: GatewayHarness;
  let key: IssuerKey;
  let source: string;

  beforeAll(async () => {
    issuer = await startLocalOidcIssuer();
    key = await issuer.newKey('RS256');
    issuer.publish([key]);
    h = await startGatewayHarness({}, (_dir, ids) => ({
      identities: [
        {
          name: 'gha-main',
          issuer: issuer.url,
          audience: AUDIENCE,
          allow_http: true,
          claims: { repository: 'acme/fw', ref: ['refs/heads/main', 'refs/heads/release'] },
          tenant: ids.tenantA,
          profiles: [PROFILES.rsa],
          scopes: ['sign', 'read'],
          // Rotation is followed at the next unknown key id, not 30 s later.
          jwks_cooldown_s: 0,
        },
      ],
    }));
    source = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    await h.store.put(source, Buffer.alloc(4096, 1));
  });
  afterAll(async () => {
    await h?.close();
    await issuer?.close();
  });

  async function expectRefusal(token: string, reason: string): Promise<void> {
    const res = await h.api('/v1/profiles', { token });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const text = await res.text();
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toMatchObject({ status: 401, code: ErrorCode.TokenInvalid, reason });
  }

  it('accepts a valid token and records its subject as the requester', async () => {
    const token = await issuer.mint(key, CI_CLAIMS);
    const profiles = await h.api('/v1/profiles', { token });
    expect(profiles.status).toBe(200);
    const created = await h.api('/v1/jobs', { method: 'POST', token, json: { profile: PROFILES.rsa, source: { key: source } } });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const job = await h.api(`/v1/jobs/${id}`, { token });
    expect(await job.json()).toMatchObject({ id, requester: SUBJECT, requesterIssuer: issuer.url });
    expect((await h.signQueue.getJob(id))?.data).toMatchObject({ requester: SUBJECT, requesterIssuer: issuer.url });
    // An API key's job names the key and no issuer.
    const byKey = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key: source } } });
    const keyJob = (await h.signQueue.getJob(((await byKey.json()) as { id: string }).id))?.data;
    expect(keyJob?.requester).toBe('a-ci');
    expect(keyJob?.requesterIssuer).toBeUndefined();
  });

  it('grants only the identity profiles and scopes', async () => {
    const token = await issuer.mint(key, CI_CLAIMS);
    const other = await h.api('/v1/jobs', { method: 'POST', token, json: { profile: PROFILES.p256, source: { key: source } } });
    expect(other.status).toBe(403);
    const batch = await h.api('/v1/batches', { method: 'POST', token, json: { profile: PROFILES.rsa, items: [{ source: { key: source } }] } });
    expect(batch.status).toBe(403);
    expect(await batch.json()).toMatchObject({ code: ErrorCode.Forbidden, detail: 'This identity lacks the "batch" scope' });
  });

  it('refuses a token for another audience', async () => {
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, aud: 'https://elsewhere.test' }), 'audience');
  });

  it('refuses a token whose claims do not match', async () => {
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, repository: 'mallory/fw' }), 'claims');
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, ref: 'refs/heads/feature' }), 'claims');
    const { repository: _dropped, ...withoutRepository } = CI_CLAIMS;
    await expectRefusal(await issuer.mint(key, withoutRepository), 'claims');
  });

  it('accepts every listed value of a claim', async () => {
    const token = await issuer.mint(key, { ...CI_CLAIMS, ref: 'refs/heads/release' });
    expect((await h.api('/v1/profiles', { token })).status).toBe(200);
  });

  it('refuses an expired token and one not valid yet (beyond the clock tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, iat: now - 600, exp: now - 120 }), 'expired');
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, nbf: now + 600 }), 'not_yet_valid');
  });

  it('refuses an unknown issuer, a key id the issuer does not publish, and a forged signature', async () => {
    await expectRefusal(await issuer.mint(key, { ...CI_CLAIMS, iss: 'https://other-issuer.test' }), 'issuer');
    const unpublished = await issuer.newKey('RS256');
    await expectRefusal(await issuer.mint(unpublished, CI_CLAIMS), 'unknown_key');
    const forged = await issuer.mint({ ...unpublished, kid: key.kid }, CI_CLAIMS);
    await expectRefusal(forged, 'signature');
  });

  it('refuses an algorithm the identity does not allow', async () => {
    // ES384 is not in the identity's default list (RS256, ES256).
    const es384 = await issuer.newKey('ES384');
    issuer.publish([key, es384]);
    await expectRefusal(await issuer.mint(es384, CI_CLAIMS), 'algorithm');
    issuer.publish([key]);
  });

  it('follows a rotation of the JWKS: the new key is fetched, the retired one refused', async () => {
    const next = await issuer.newKey('ES256');
    issuer.publish([next]);
    const fetchesBefore = issuer.jwksFetches();
    const fresh = await issuer.mint(next, CI_CLAIMS);
    expect((await h.api('/v1/profiles', { token: fresh })).status).toBe(200);
    expect(issuer.jwksFetches()).toBeGreaterThan(fetchesBefore);
    await expectRefusal(await issuer.mint(key, CI_CLAIMS), 'unknown_key');
    key = next;
  });

  it('answers 503 with Retry-After, not 401, while the key set cannot be fetched', async () => {
    const rotated = await issuer.newKey('RS256');
    issuer.setDown(true);
    try {
      const res = await h.api('/v1/profiles', { token: await issuer.mint(rotated, CI_CLAIMS) });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ code: ErrorCode.ServiceUnavailable });
      // A key already fetched still verifies while the issuer is away.
      expect((await h.api('/v1/profiles', { token: await issuer.mint(key, CI_CLAIMS) })).status).toBe(200);
    } finally {
      issuer.setDown(false);
    }
  });

  it('counts refusals by reason in the gateway metrics', async () => {
    const metrics = await (await h.api('/metrics')).text();
    expect(metrics).toMatch(/^fleetsign_gateway_token_refusals_total\{reason="claims"[^}]*\} 3$/m);
    expect(metrics).toMatch(/^fleetsign_gateway_token_refusals_total\{reason="audience"[^}]*\} 1$/m);
  });

  it('keeps API keys working, and a JWT-shaped token never reaches the API key table', async () => {
    expect((await h.api('/v1/profiles', { token: h.tokenA })).status).toBe(200);
    await expectRefusal('aaa.bbb.ccc', 'malformed');
  });
});
