import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalRedis, startLocalRedis } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { deterministicBatchId } from '@fleetsign/queue';
import { S3ObjectStore } from '@fleetsign/storage';
import { type LocalOidcIssuer, startLocalOidcIssuer } from '../../support/oidc-issuer';
import { freeLoopbackPort, stopChildProcess } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';
import { REPO_ROOT, compileGatewayTree } from './compiled-tree';
import {
  type HarnessIdentities,
  PROFILES,
  type GatewayHarness,
  gatewayTestEnv,
  pollUntil,
  startGatewayHarness,
  uniqueSuffix,
  writeHarnessConfig,
} from './gateway-harness';
import { testS3StorageConfig } from '../../support/s3-server';

// Tenant quotas enforced across two gateway processes sharing one Redis: requests per
// minute (tenant B: 6) and signatures per UTC day (tenant A: 5), answered 429 with
// Retry-After and the RateLimit fields; a batch that does not fit is refused whole.

jest.setTimeout(90_000);

const REQUESTS_PER_MINUTE = 6;
const SIGNATURES_PER_DAY = 5;

const CI_AUDIENCE = 'https://fleetsign.quota.test';

/** Tenant quotas, and a CI identity of tenant B whose tokens count like its API key's requests. */
const quotaConfig = (ids: HarnessIdentities, issuerUrl: string) => ({
  tenants: [
    { name: ids.tenantA, quotas: { signatures_per_day: SIGNATURES_PER_DAY } },
    { name: ids.tenantB, quotas: { requests_per_minute: REQUESTS_PER_MINUTE } },
  ],
  identities: [
    {
      name: 'b-ci',
      issuer: issuerUrl,
      allow_http: true,
      audience: CI_AUDIENCE,
      claims: { repository: 'globex/fw' },
      tenant: ids.tenantB,
      profiles: [PROFILES.tenantBOnly],
      scopes: ['read'],
    },
  ],
});

describe('tenant quotas across two gateway processes', () => {
  let workDir: string;
  let config: ReturnType<typeof writeHarnessConfig>;
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  let store: S3ObjectStore;
  let sources: string[];
  let issuer: LocalOidcIssuer;

  beforeAll(async () => {
    workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-quotas-'));
    await compileGatewayTree(workDir);
    issuer = await startLocalOidcIssuer();
    issuer.publish([await issuer.newKey('RS256')]);
    config = writeHarnessConfig((_dir, ids) => quotaConfig(ids, issuer.url));
    const prefix = `{fst-quota-${uniqueSuffix()}}`;
    for (let i = 0; i < 2; i++) {
      const port = await freeLoopbackPort();
      const child = spawn(process.execPath, [join(workDir, 'apps/gateway/src/main.js')], {
        cwd: workDir,
        env: {
          ...process.env,
          ...gatewayTestEnv(config.configPath, prefix),
          NODE_PATH: join(REPO_ROOT, 'node_modules'),
          FLEETSIGN_GATEWAY_HOST: '127.0.0.1',
          FLEETSIGN_GATEWAY_PORT: String(port),
          FLEETSIGN_REDIS_ALLOW_VOLATILE: 'true',
          FLEETSIGN_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      const url = `http://127.0.0.1:${port}`;
      const status = await pollUntil(() => fetch(`${url}/readyz`).then((res) => res.status, () => 0), (s) => s === 200);
      expect(status).toBe(200);
      urls.push(url);
    }
    store = new S3ObjectStore(testS3StorageConfig());
    sources = [];
    for (let i = 0; i < 4; i++) {
      const key = `incoming/${config.ids.tenantA}/${randomUUID()}.bin`;
      await store.put(key, Buffer.alloc(4096, i));
      sources.push(key);
    }
  });
  afterAll(async () => {
    for (const child of children) await stopChildProcess(child, 'SIGKILL');
    await store?.close();
    await issuer?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    if (config) rmSync(config.dir, { recursive: true, force: true });
  });

  /** fetch against gateway `which` (0 or 1). */
  const call = (which: number, path: string, token: string, init: { method?: string; json?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${urls[which]}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.json ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.json ? { body: JSON.stringify(init.json) } : {}),
    });

  it('counts requests per minute of a tenant across both gateways, its API key and CI identity alike', async () => {
    const ciToken = await issuer.mint(issuer.published[0], { aud: CI_AUDIENCE, sub: 'repo:globex/fw:ref:refs/heads/main', repository: 'globex/fw' });
    for (let i = 0; i < REQUESTS_PER_MINUTE; i++) {
      const res = await call(i % 2, '/v1/profiles', i % 3 === 2 ? ciToken : config.ids.tokenB);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe(`"requests";q=${REQUESTS_PER_MINUTE};w=60`);
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"requests";r=${REQUESTS_PER_MINUTE - 1 - i};t=\\d+$`));
    }
    for (const [which, token] of [[0, config.ids.tokenB], [1, ciToken]] as const) {
      const refused = await call(which, '/v1/profiles', token);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.headers.get('ratelimit')).toBe(`"requests";r=0;t=${retryAfter}`);
      expect(await refused.json()).toMatchObject({ status: 429, code: ErrorCode.RateLimited });
    }
    // Each gateway counted the refusal it answered.
    let refusals = 0;
    for (const url of urls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('fleetsign_gateway_quota_refusals_total{') && l.includes(`tenant="${config.ids.tenantB}"`) && l.includes('code="RATE_LIMITED"'));
      refusals += Number(line?.split(' ').pop() ?? 0);
    }
    expect(refusals).toBe(2);
    // Another tenant is not held back, and has no requests quota to report.
    const other = await call(1, '/v1/profiles', config.ids.tokenA);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-policy')).toBeNull();
  });

  it('reserves signatures per day across both gateways, refusing a batch that does not fit whole', async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ source: { key: sources[i] }, name: `item-${i}.bin` }));
    const firstKey = `quota-${uniqueSuffix()}`;
    const first = await call(0, '/v1/batches', config.ids.tokenA, {
      method: 'POST',
      json: { profile: PROFILES.rsa, items: items(3) },
      headers: { 'idempotency-key': firstKey },
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('ratelimit-policy')).toBe(`"signatures";q=${SIGNATURES_PER_DAY};w=86400`);
    expect(first.headers.get('ratelimit')).toMatch(/^"signatures";r=2;t=\d+$/);

    const tooBigKey = `quota-${uniqueSuffix()}`;
    const tooBig = await call(1, '/v1/batches', config.ids.tokenA, {
      method: 'POST',
      json: { profile: PROFILES.rsa, items: items(3) },
      headers: { 'idempotency-key': tooBigKey },
    });
    expect(tooBig.status).toBe(429);
    expect(await tooBig.json()).toMatchObject({ code: ErrorCode.QuotaExceeded, quota: { policy: 'signatures', limit: SIGNATURES_PER_DAY, remaining: 2 } });
    const retryAfter = Number(tooBig.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    // Nothing of the refused batch was stored.
    const refusedId = deterministicBatchId(config.ids.tenantA, tooBigKey);
    expect((await call(1, `/v1/batches/${refusedId}`, config.ids.tokenA)).status).toBe(404);

    // The two signatures left go to single jobs, one on each gateway; the next is refused.
    for (const which of [1, 0]) {
      const job = await call(which, '/v1/jobs', config.ids.tokenA, { method: 'POST', json: { profile: PROFILES.rsa, source: { key: sources[which] } } });
      expect(job.status).toBe(202);
    }
    const refusedJob = await call(1, '/v1/jobs', config.ids.tokenA, { method: 'POST', json: { profile: PROFILES.rsa, source: { key: sources[3] } } });
    expect(refusedJob.status).toBe(429);
    expect(refusedJob.headers.get('ratelimit')).toMatch(/^"signatures";r=0;t=\d+$/);
    expect(await refusedJob.json()).toMatchObject({ code: ErrorCode.QuotaExceeded });

    // Replaying the accepted batch takes nothing more, so it is answered even at the quota.
    const replay = await call(1, '/v1/batches', config.ids.tokenA, {
      method: 'POST',
      json: { profile: PROFILES.rsa, items: items(3) },
      headers: { 'idempotency-key': firstKey },
    });
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
  });
});

describe('tenant quotas while Redis is down', () => {
  let dir: string;
  let redis: LocalRedis;
  let h: GatewayHarness;

  beforeAll(async () => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-quotas-down-'));
    redis = await startLocalRedis({ dir });
    h = await startGatewayHarness({ REDIS_URL: redis.url }, (_dir, ids) => ({
      tenants: [
        { name: ids.tenantA, quotas: { requests_per_minute: 100, signatures_per_day: 100 } },
        { name: ids.tenantB },
      ],
    }));
  });
  afterAll(async () => {
    await h?.close();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 SERVICE_UNAVAILABLE (never 429 or 500) where Redis is needed, and serves the rest', async () => {
    const source = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    await h.store.put(source, Buffer.alloc(4096, 1));
    expect((await h.api('/v1/profiles', { token: h.tokenA })).status).toBe(200);
    const port = redis.port;
    await redis.stop();

    const job = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, source: { key: source } } });
    expect(job.status).toBe(503);
    expect(job.headers.get('retry-after')).toBe('5');
    expect(await job.json()).toMatchObject({ code: ErrorCode.ServiceUnavailable });
    const batch = await h.api('/v1/batches', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.rsa, items: [{ source: { key: source } }] } });
    expect(batch.status).toBe(503);
    // The requests quota cannot be counted: it fails open for routes that need no Redis.
    const profiles = await h.api('/v1/profiles', { token: h.tokenA });
    expect(profiles.status).toBe(200);
    expect(profiles.headers.get('ratelimit')).toBeNull();

    // Once Redis is back (AOF), counting resumes where it was.
    redis = await startLocalRedis({ dir, port });
    const counted = await pollUntil(
      () => h.api('/v1/profiles', { token: h.tokenA }).then((res) => res.headers.get('ratelimit')),
      (header) => header !== null,
    );
    expect(counted).toMatch(/^"requests";r=9[0-9];t=\d+$/);
  });
});
