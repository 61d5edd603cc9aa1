import { type IncomingHttpHeaders, request } from 'node:http';
import { ErrorCode } from '@fleetsign/errors';
import { parse as parseYaml } from 'yaml';
import { createGateway } from '../../../apps/gateway/src';
import { freeLoopbackPort } from '../../support/redis-server';
import { PROFILES, TEST_BODY_LIMIT, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// Probes, metrics, the OpenAPI document and how malformed requests are answered.
import { promtoolProblems } from '../../support/promtool';

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, { enum?: string[] }> } }> }>; security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

jest.setTimeout(30_000);

/** A GET over node:http (fetch may refuse oversized requests itself). */
function rawGet(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway operations', () => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers liveness and readiness without a token', async () => {
    const live = await h.api('/healthz');
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await h.api('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: { ok: true }, storage: { ok: true } } });
  });

  it('reports not ready (503) while the object store does not answer', async () => {
    const deadPort = await freeLoopbackPort();
    const broken = await createGateway({
      env: { ...h.env, FLEETSIGN_S3_ENDPOINT: `http://127.0.0.1:${deadPort}` },
      logLevel: 'silent',
    });
    try {
      const res = await fetch(`${broken.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; checks: { redis: { ok: boolean }; storage: { ok: boolean; error?: string } } };
      expect(body.status).toBe('not_ready');
      expect(body.checks.redis.ok).toBe(true);
      expect(body.checks.storage.ok).toBe(false);
      expect(body.checks.storage.error).toEqual(expect.any(String));
      expect((await fetch(`${broken.url}/healthz`)).status).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it.each([
    ['a 100 KB query string', { path: `/v1/jobs/job_1?q=${'a'.repeat(100 * 1024)}`, headers: {} }],
    ['a 60 KB header', { path: '/v1/jobs/job_1', headers: { 'x-filler': 'b'.repeat(60 * 1024) } }],
  ])('answers %s with 431 problem+json', async (_what, request) => {
    const { status, headers, body } = await rawGet(h.url, request.path, request.headers);
    expect(status).toBe(431);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: ErrorCode.RequestHeadersTooLarge });
  });

  it('exposes Prometheus metrics by route pattern, with queue depths', async () => {
    await h.api('/healthz');
    await h.api(`/v1/jobs/job_${'3'.repeat(32)}`, { token: h.tokenA });
    const res = await h.api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/fleetsign_gateway_http_requests_total\{method="GET",route="\/healthz",status="200",service="gateway"\} [1-9]/);
    expect(text).toMatch(/fleetsign_gateway_http_requests_total\{method="GET",route="\/v1\/jobs\/:id",status="404",service="gateway"\} [1-9]/);
    expect(text).toContain('fleetsign_queue_jobs{queue="sign",state="waiting",service="gateway"}');
    // prom-client's default metrics under their standard names, told apart by the service label.
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="gateway"\} /m);
    expect(text).not.toContain('fleetsign_gateway_process_');
    expect(promtoolProblems(text)).toEqual([]);
    expect(text).not.toContain('3333333333');
  });

  it('serves a documentation UI at /docs', async () => {
    const res = await h.api('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('swagger-ui');
  });

  it('serves an OpenAPI document of every route, its errors and the bearer scheme', async () => {
    const res = await h.api('/docs/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDoc;
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'POST /v1/uploads',
        'PUT /v1/uploads/direct',
        'POST /v1/jobs',
        'GET /v1/jobs/{id}',
        'GET /v1/profiles',
        'GET /v1/profiles/{name}/public-keys',
      ]),
    );
    expect(routes.filter((route) => route.includes('/v1/objects/'))).toHaveLength(2);
    expect(doc.components.securitySchemes).toHaveProperty('bearer');

    const createJob = doc.paths['/v1/jobs'].post;
    expect(Object.keys(createJob.responses).sort()).toEqual(['202', '400', '401', '403', '409', '413', '415', '422', '429']);
    expect(createJob.security).toEqual([{ bearer: [] }]);
    // Public routes say so, rather than leaving security unspecified.
    expect(doc.paths['/healthz'].get.security).toEqual([]);
    const problem = createJob.responses['422'].content?.['application/problem+json'].schema;
    expect(problem?.properties?.code.enum).toEqual(Object.values(ErrorCode));

    const yaml = await h.api('/docs.yaml');
    expect(yaml.status).toBe(200);
    expect((parseYaml(await yaml.text()) as OpenApiDoc).paths).toEqual(doc.paths);
  });

  it('answers malformed JSON with 400 MALFORMED_REQUEST', async () => {
    const res = await h.api('/v1/jobs', {
      method: 'POST',
      token: h.tokenA,
      body: '{"profile": "rel-rsa", ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, code: ErrorCode.MalformedRequest, type: `urn:fleetsign:error:${ErrorCode.MalformedRequest}` });
  });

  it('answers a JSON body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await h.api('/v1/jobs', {
      method: 'POST',
      token: h.tokenA,
      json: { profile: PROFILES.rsa, source: { key: 'incoming/x/y.bin' }, metadata: { pad: 'x'.repeat(TEST_BODY_LIMIT) } },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: ErrorCode.PayloadTooLarge });
  });

  it('answers a non-JSON body on a JSON route with 415, and unknown routes with 404, as problems', async () => {
    const text = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, body: 'profile=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: ErrorCode.MalformedRequest });
    const missing = await h.api('/v2/nothing', { token: h.tokenA });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ code: ErrorCode.NotFound });
  });
});
