import { z } from 'zod';
import { json, type LocalServer, startLocalServer } from './testing/local-http-server';
import { ServiceClient } from './service-client';
import { ServiceError } from './service-error';

const fast = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };
const apiKey = 'fsk_unit_test_key';
const anyJson = z.unknown();

describe('ServiceClient', () => {
  let server: LocalServer;
  let answers: Array<(res: Parameters<typeof json>[0]) => void>;

  beforeEach(async () => {
    answers = [];
    server = await startLocalServer((_req, res) => {
      const answer = answers.shift();
      if (answer) answer(res);
      else json(res, 200, { ok: true });
    });
  });
  afterEach(() => server.close());

  const client = (path = '') => new ServiceClient({ baseUrl: `${server.url}${path}/`, apiKey, retry: fast });

  it('sends JSON with the bearer key under the base path and parses the answer', async () => {
    answers.push((res) => json(res, 202, { id: 'job_1' }));
    const answer = await client('/fleetsign').request({
      method: 'POST',
      path: '/v1/jobs',
      schema: z.object({ id: z.string() }),
      body: { profile: 'p' },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(answer).toEqual({ id: 'job_1' });
    const [seen] = server.requests;
    expect(seen.url).toBe('/fleetsign/v1/jobs');
    expect(seen.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(seen.headers['idempotency-key']).toBe('k1');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body.toString())).toEqual({ profile: 'p' });
  });

  it('retries an idempotent request after 503, and reports a problem with its code', async () => {
    answers.push((res) => json(res, 503, { code: 'STORAGE_ERROR', detail: 'busy' }, 'application/problem+json'));
    answers.push((res) => json(res, 200, { state: 'queued' }));
    await expect(client().request({ method: 'GET', path: '/v1/jobs/job_1', idempotent: true, schema: anyJson })).resolves.toEqual({ state: 'queued' });
    expect(server.requests).toHaveLength(2);

    answers.push((res) => json(res, 409, { code: 'IDEMPOTENCY_CONFLICT', detail: 'other body' }, 'application/problem+json'));
    const conflict = client().request({ method: 'POST', path: '/v1/batches', body: {}, idempotent: true, schema: anyJson });
    await expect(conflict).rejects.toEqual(new ServiceError('POST /v1/batches: HTTP 409 IDEMPOTENCY_CONFLICT: other body', 409, 'IDEMPOTENCY_CONFLICT'));
    expect(server.requests).toHaveLength(3);
  });

  it('never repeats a request that is not idempotent', async () => {
    answers.push((res) => json(res, 503, { code: 'INTERNAL', detail: 'down' }));
    await expect(client().request({ method: 'POST', path: '/v1/jobs', body: {}, schema: anyJson })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
  });

  it('refuses to follow a redirect (the key must not travel elsewhere)', async () => {
    answers.push((res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:9/steal' });
      res.end();
    });
    await expect(client().request({ method: 'GET', path: '/v1/jobs/x', schema: anyJson })).rejects.toThrow(/^GET \/v1\/jobs\/x: cannot reach/);
    expect(server.requests).toHaveLength(1);
  });

  it('drops the query from messages and reports a non-JSON success body', async () => {
    answers.push((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>');
    });
    await expect(client().request({ method: 'GET', path: '/v1/batches/b/items?cursor=secretish', schema: anyJson })).rejects.toThrow(
      'GET /v1/batches/b/items: HTTP 200 with a body that is not JSON',
    );
  });

  it('refuses an answer its schema refuses, once (not retried), naming the field', async () => {
    answers.push((res) => json(res, 200, { id: 42 }));
    const wrong = client().request({ method: 'GET', path: '/v1/jobs/job_1', idempotent: true, schema: z.object({ id: z.string() }) });
    await expect(wrong).rejects.toThrow(/^GET \/v1\/jobs\/job_1: the answer does not match the FleetSign API \(id: /);
    await expect(wrong).rejects.toMatchObject({ transient: false, contractViolation: true });
    expect(server.requests).toHaveLength(1);
  });

  it('sends an anonymous request without the key', async () => {
    await client().request({ method: 'GET', path: '/readyz', anonymous: true, schema: anyJson });
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });
});
