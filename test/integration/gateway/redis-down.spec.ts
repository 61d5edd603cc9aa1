import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalRedis, pollUntil, startLocalRedis } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { requireTestEnv } from '../../support/test-env';
import { PROFILES, type GatewayHarness, startGatewayHarness } from './gateway-harness';

// The gateway while its Redis is stopped: every route that needs Redis answers 503
// SERVICE_UNAVAILABLE with Retry-After (never 404 or 500), /readyz names Redis without
// internal text, and once Redis is back (AOF: nothing lost) the job is there again.
// The gateway runs on a Redis of its own, so stopping it disturbs no other test.

jest.setTimeout(60_000);

describe('gateway while Redis is down', () => {
  let dir: string;
  let redis: LocalRedis;
  let h: GatewayHarness;
  let sourceKey: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-redis-down-'));
    redis = await startLocalRedis({ dir });
    h = await startGatewayHarness({ REDIS_URL: redis.url });
    sourceKey = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    await h.store.put(sourceKey, Buffer.alloc(4096, 1));
  });

  afterAll(async () => {
    await h?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After on routes that need Redis, and serves the job again once Redis is back', async () => {
    const created = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key: sourceKey } } });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const port = redis.port;
    await redis.stop();

    const requests: Array<[string, RequestInit & { token?: string; json?: unknown }]> = [
      [`/v1/jobs/${id}`, { token: h.tokenA }],
      ['/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key: sourceKey } } }],
      [`/v1/batches/batch_${'1'.repeat(32)}`, { token: h.tokenA }],
    ];
    for (const [path, init] of requests) {
      const res = await h.api(path, init);
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ status: 503, code: ErrorCode.ServiceUnavailable });
    }

    const ready = await h.api('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      checks: { redis: { ok: false, error: 'Redis does not answer' }, storage: { ok: true } },
    });
    expect((await h.api('/healthz')).status).toBe(200);

    redis = await startLocalRedis({ dir, port });
    const back = await pollUntil(
      async () => {
        const res = await h.api(`/v1/jobs/${id}`, { token: h.tokenA });
        return res.status === 200 ? ((await res.json()) as unknown) : (await res.arrayBuffer(), undefined);
      },
      { timeoutMs: 20_000, intervalMs: 100, description: 'the gateway to serve the job again' },
    );
    expect(back).toMatchObject({ id, state: 'queued' });
  });
});
