import { createHash, randomUUID } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import { QueueName, type SignJobData } from '@fleetsign/queue';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// POST /v1/jobs over real HTTP: what lands in Redis, idempotency, and the checks
// on profile, source and body. Job *states* are covered in job-states.spec.ts.

describe('gateway POST /v1/jobs', () => {
  let h: GatewayHarness;
  let sourceKey: string;
  const image = Buffer.alloc(8192, 0xe9);

  beforeAll(async () => {
    h = await startGatewayHarness();
    sourceKey = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    await h.store.put(sourceKey, image);
  });
  afterAll(async () => {
    await h?.close();
  });

  const submit = (body: unknown, headers: Record<string, string> = {}, token = h.tokenA) =>
    h.api('/v1/jobs', { method: 'POST', token, json: body, headers });

  it('accepts a job (202, Location) and enqueues only keys, digests and labels', async () => {
    const res = await submit({
      profile: PROFILES.rsa,
      source: { key: sourceKey },
      webhook: { url: 'https://hooks.example.com/fleetsign' },
      metadata: { build: '1.4.2', board: 'devkit-c' },
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; state: string; links: { self: string } };
    expect(body.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(body.state).toBe('queued');
    expect(body.links.self).toBe(`${h.url}/v1/jobs/${body.id}`);
    expect(res.headers.get('location')).toBe(body.links.self);

    // The raw BullMQ hash, as any Redis reader would see it.
    const raw = await h.redis.hgetall(`${h.prefix}:${QueueName.Sign}:${body.id}`);
    const data = JSON.parse(raw.data) as SignJobData & { requestHash: string };
    expect(data).toEqual({
      tenant: h.tenantA,
      // Who asked: the API key's id from the configuration, never its token.
      requester: 'a-ci',
      profile: PROFILES.rsa,
      source: { key: sourceKey, size: image.length },
      signedKey: `signed/${h.tenantA}/${body.id}.bin`,
      webhook: { url: 'https://hooks.example.com/fleetsign', eventId: `evt_${body.id}` },
      metadata: { build: '1.4.2', board: 'devkit-c' },
      requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      requestHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // The id the gateway returned (made for this request: the client sent none) travels with the job.
      requestId: res.headers.get('x-request-id'),
    });
    expect(data.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const everything = Object.values(raw).join('\n');
    for (const secret of [h.tokenA, h.tokenAReadOnly, h.tokenB]) expect(everything).not.toContain(secret);
    expect(everything).not.toContain(image.toString('base64').slice(0, 64));
    expect(Buffer.byteLength(raw.data)).toBeLessThan(1024);
  });

  it('carries the digest the client states into the job', async () => {
    const sha256 = createHash('sha256').update(image).digest('hex');
    const res = await submit({ profile: PROFILES.p256, source: { key: sourceKey, sha256: sha256.toUpperCase() } });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const job = await h.signQueue.getJob(id);
    expect(job?.data.source).toEqual({ key: sourceKey, sha256, size: image.length });
  });

  it('gives every request without an Idempotency-Key a new job', async () => {
    const body = { profile: PROFILES.rsa, source: { key: sourceKey } };
    const first = (await (await submit(body)).json()) as { id: string };
    const second = (await (await submit(body)).json()) as { id: string };
    expect(second.id).not.toBe(first.id);
  });

  it('returns the same job for the same Idempotency-Key and body, 409 for another body', async () => {
    const key = `deploy-${randomUUID()}`;
    const body = { profile: PROFILES.rsa, source: { key: sourceKey }, metadata: { a: '1', b: '2' } };
    const first = await submit(body, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };

    // Same content, keys in another order: still the same request.
    const again = await submit({ metadata: { b: '2', a: '1' }, source: { key: sourceKey }, profile: PROFILES.rsa }, {
      'idempotency-key': key,
    });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(id);

    const other = await submit({ ...body, metadata: { a: '1', b: '3' } }, { 'idempotency-key': key });
    expect(other.status).toBe(409);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await other.json()).toMatchObject({ status: 409, code: ErrorCode.IdempotencyConflict });

    // The same key in another tenant is another job.
    const bSource = `incoming/${h.tenantB}/${randomUUID()}.bin`;
    await h.store.put(bSource, image);
    const tenantB = await submit({ profile: PROFILES.tenantBOnly, source: { key: bSource } }, { 'idempotency-key': key }, h.tokenB);
    expect(tenantB.status).toBe(202);
    expect(((await tenantB.json()) as { id: string }).id).not.toBe(id);
  });

  it('settles concurrent requests with one Idempotency-Key on one job', async () => {
    const same = `race-${randomUUID()}`;
    const body = { profile: PROFILES.rsa, source: { key: sourceKey } };
    const twins = await Promise.all([submit(body, { 'idempotency-key': same }), submit(body, { 'idempotency-key': same })]);
    expect(twins.map((res) => res.status)).toEqual([202, 202]);
    const ids = await Promise.all(twins.map(async (res) => ((await res.json()) as { id: string }).id));
    expect(ids[1]).toBe(ids[0]);

    const other = `race-${randomUUID()}`;
    const rivals = await Promise.all([
      submit(body, { 'idempotency-key': other }),
      submit({ ...body, fresh: true }, { 'idempotency-key': other }),
    ]);
    expect(rivals.map((res) => res.status).sort()).toEqual([202, 409]);
  });

  it('refuses an Idempotency-Key that is not visible ASCII', async () => {
    const res = await submit({ profile: PROFILES.rsa, source: { key: sourceKey } }, { 'idempotency-key': 'a b' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('answers 422 for an unknown profile, a revoked profile and a missing source', async () => {
    const unknown = await submit({ profile: 'no-such-profile', source: { key: sourceKey } });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ code: ErrorCode.UnknownProfile });

    const revoked = await submit({ profile: PROFILES.revoked, source: { key: sourceKey } });
    expect(revoked.status).toBe(422);
    expect(await revoked.json()).toMatchObject({ code: ErrorCode.ProfileRevoked });

    const missing = await submit({ profile: PROFILES.rsa, source: { key: `incoming/${h.tenantA}/nothing-here.bin` } });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({ code: ErrorCode.SourceNotFound });
  });

  it('answers 400 VALIDATION_FAILED naming every bad field', async () => {
    const res = await submit({
      profile: PROFILES.rsa,
      source: { key: sourceKey, sha256: 'xyz' },
      webhook: { url: 'ftp://hooks.example.com/' },
      metadata: { note: 'x'.repeat(2000) },
      fresh: 'yes',
      extra: true,
    });
    expect(res.status).toBe(400);
    const problem = (await res.json()) as { code: string; errors: Array<{ path: string }> };
    expect(problem.code).toBe(ErrorCode.ValidationFailed);
    const paths = problem.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['source.sha256', 'webhook.url', 'metadata.note', 'fresh', '']));
  });

  it('caps the metadata object', async () => {
    const metadata = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
    const res = await submit({ profile: PROFILES.rsa, source: { key: sourceKey }, metadata });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: ErrorCode.ValidationFailed, errors: [{ path: 'metadata' }] });
  });

  it('refuses an invalid source key', async () => {
    const res = await submit({ profile: PROFILES.rsa, source: { key: `incoming/${h.tenantA}/../x.bin` } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: ErrorCode.ValidationFailed });
  });
});
