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

  it('answers /readyz from the stricter check while /healthz stays live', async () => {
    let keysAway = true;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      isReady: () => true,
      isFullyReady: () => !keysAway,
      details: () => ({ profiles: [{ name: 'rel', state: keysAway ? 'unavailable' : 'available' }] }),
    });
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const unready = await fetch(`${server.url}/readyz`);
      expect(unready.status).toBe(503);
      expect(await unready.json()).toEqual({ status: 'unavailable', profiles: [{ name: 'rel', state: 'unavailable' }] });
      keysAway = false;
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
