import { randomUUID } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// Bearer authentication, scopes and tenant isolation over real HTTP.

describe('gateway authentication and tenant isolation', () => {
  let h: GatewayHarness;
  let sourceA: string;
  let sourceB: string;

  beforeAll(async () => {
    h = await startGatewayHarness();
    sourceA = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    sourceB = `incoming/${h.tenantB}/${randomUUID()}.bin`;
    await h.store.put(sourceA, Buffer.alloc(4096, 1));
    await h.store.put(sourceB, Buffer.alloc(4096, 2));
  });
  afterAll(async () => {
    await h?.close();
  });

  async function expectProblem(res: Response, status: number, code: ErrorCode): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  }

  it('answers 401 without a token, with an unknown token and with another scheme', async () => {
    const missing = await h.api('/v1/profiles');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    await expectProblem(missing, 401, ErrorCode.Unauthenticated);
    await expectProblem(await h.api('/v1/profiles', { token: `${h.tokenA}x` }), 401, ErrorCode.Unauthenticated);
    await expectProblem(await h.api('/v1/profiles', { token: '' }), 401, ErrorCode.Unauthenticated);
    const basic = await h.api('/v1/profiles', { headers: { authorization: `Basic ${Buffer.from(`a:${h.tokenA}`).toString('base64')}` } });
    await expectProblem(basic, 401, ErrorCode.Unauthenticated);
  });

  it('checks auth on every API route, uploads included', async () => {
    await expectProblem(await h.api('/v1/jobs', { method: 'POST', json: { profile: PROFILES.rsa, source: { key: sourceA } } }), 401, ErrorCode.Unauthenticated);
    await expectProblem(await h.api('/v1/uploads', { method: 'POST', json: {} }), 401, ErrorCode.Unauthenticated);
    await expectProblem(
      await h.api('/v1/uploads/direct', { method: 'PUT', body: Buffer.alloc(10), headers: { 'content-type': 'application/octet-stream' } }),
      401,
      ErrorCode.Unauthenticated,
    );
    await expectProblem(await h.api(`/v1/jobs/job_${'1'.repeat(32)}`), 401, ErrorCode.Unauthenticated);
    await expectProblem(await h.api(`/v1/profiles/${PROFILES.rsa}/public-keys`), 401, ErrorCode.Unauthenticated);
  });

  it('answers 403 when the key lacks the scope', async () => {
    const res = await h.api('/v1/jobs', { method: 'POST', token: h.tokenAReadOnly, json: { profile: PROFILES.rsa, source: { key: sourceA } } });
    await expectProblem(res, 403, ErrorCode.Forbidden);
    await expectProblem(await h.api('/v1/uploads', { method: 'POST', token: h.tokenAReadOnly, json: {} }), 403, ErrorCode.Forbidden);
    // Reading is what that key is for.
    expect((await h.api('/v1/profiles', { token: h.tokenAReadOnly })).status).toBe(200);
  });

  it("answers 403 for a profile the key may not use (another tenant's)", async () => {
    const res = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.tenantBOnly, source: { key: sourceA } } });
    await expectProblem(res, 403, ErrorCode.Forbidden);
    await expectProblem(await h.api(`/v1/profiles/${PROFILES.rsa}/public-keys`, { token: h.tokenB }), 403, ErrorCode.Forbidden);
  });

  it("refuses a source under another tenant's prefix or outside incoming/", async () => {
    for (const key of [sourceB, `signed/${h.tenantA}/x.bin`, `incoming/${h.tenantA}-evil/x.bin`]) {
      const res = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key } } });
      await expectProblem(res, 403, ErrorCode.Forbidden);
    }
  });

  it("answers 404 for another tenant's job, exactly as for a job that does not exist", async () => {
    const created = await h.api('/v1/jobs', { method: 'POST', token: h.tokenB, json: { profile: PROFILES.tenantBOnly, source: { key: sourceB } } });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    expect((await h.api(`/v1/jobs/${id}`, { token: h.tokenB })).status).toBe(200);

    const seenByA = await h.api(`/v1/jobs/${id}`, { token: h.tokenA });
    const nobodys = await h.api(`/v1/jobs/job_${'2'.repeat(32)}`, { token: h.tokenA });
    await expectProblem(seenByA, 404, ErrorCode.NotFound);
    await expectProblem(nobodys, 404, ErrorCode.NotFound);
  });

  it('lists only the profiles the key may use', async () => {
    const names = async (token: string) =>
      ((await (await h.api('/v1/profiles', { token })).json()) as { profiles: Array<{ name: string }> }).profiles.map((p) => p.name);
    expect(await names(h.tokenA)).toEqual([PROFILES.rsa, PROFILES.p256, PROFILES.revoked]);
    expect(await names(h.tokenB)).toEqual([PROFILES.tenantBOnly]);
  });
});
