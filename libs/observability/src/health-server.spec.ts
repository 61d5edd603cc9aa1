import { Counter, Registry } from 'prom-client';
import { startHealthServer } from './health-server';

describe('startHealthServer', () => {
  it('serves /metrics from the registry and /healthz from the readiness check', async () => {
    const registry = new Registry();
    new Counter({ name: 'fleetsign_test_things_total', help: 'things', registers: [registry] }).inc(3);
    let ready = true;
    const server = await startHealthServer({ port: 0, host: '127.0.0.1', registry, isReady: () => ready });
    try {
      const metrics = await fetch(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      expect(await metrics.text()).toContain('fleetsign_test_things_total 3');

      const healthy = await fetch(`${server.url}/healthz`);
      expect(healthy.status).toBe(200);
      expect(await healthy.json()).toEqual({ status: 'ok' });

      ready = false;
      const unhealthy = await fetch(`${server.url}/healthz`);
      expect(unhealthy.status).toBe(503);
      expect(await unhealthy.json()).toEqual({ status: 'unavailable' });

      expect((await fetch(`${server.url}/other`)).status).toBe(404);
      expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('answers /readyz 200 only while the process is ready and every dependency probe passes', async () => {
    let ready = true;
    let redisUp = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      isReady: () => ready,
      readinessProbes: {
        redis: async () => {
          if (!redisUp) throw new Error('ECONNREFUSED 10.0.0.7:6379');
        },
        store: () => Promise.resolve(),
      },
    });
    try {
      const up = await fetch(`${server.url}/readyz`);
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ status: 'ok', checks: { process: 'ok', redis: 'ok', store: 'ok' } });

      redisUp = false;
      const down = await fetch(`${server.url}/readyz`);
      expect(down.status).toBe(503);
      const text = await down.text();
      expect(JSON.parse(text)).toEqual({ status: 'unavailable', checks: { process: 'ok', redis: 'failed', store: 'ok' } });
      expect(text).not.toContain('10.0.0.7');
      // Liveness does not depend on Redis: a Redis outage must not restart the pod.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

      redisUp = true;
      ready = false;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('answers /readyz unready while a probe such as the keys check fails, with the details, while /healthz stays live', async () => {
    let keysAway = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      isReady: () => true,
      details: () => ({ profiles: [{ name: 'rel', state: keysAway ? 'unavailable' : 'available' }] }),
      readinessProbes: {
        keys: async () => {
          if (keysAway) throw new Error('keys unavailable for rel');
        },
      },
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const unready = await fetch(`${server.url}/readyz`);
      expect(unready.status).toBe(503);
      expect(await unready.json()).toEqual({
        status: 'unavailable',
        checks: { process: 'ok', keys: 'failed' },
        profiles: [{ name: 'rel', state: 'unavailable' }],
      });
      keysAway = false;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
