import { pingRedis, startLocalRedis, type LocalRedis } from '@fleetsign/devstack';
import { Redis } from 'ioredis';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Project-level testTimeout is not applied by Jest; starting services needs more than the 5 s default.
jest.setTimeout(60_000);

describe('startLocalRedis', () => {
  let dir: string;
  let redis: LocalRedis | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-redis-'))));
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a loopback redis-server configured for BullMQ, and stops it', async () => {
    redis = await startLocalRedis({ dir });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
    }
    await redis.stop();
    await redis.stop(); // a second stop is harmless
    expect(await pingRedis(redis.port)).toBe(false);
    expect(readFileSync(redis.logPath, 'utf8')).toMatch(/Ready to accept connections/);
  });

  it('reports a port it cannot bind with the server log', async () => {
    redis = await startLocalRedis({ dir: join(dir, 'first') });
    await expect(
      startLocalRedis({ dir: join(dir, 'second'), port: redis.port, readyTimeoutMs: 5_000 }),
    ).rejects.toThrow(/redis-server exited.*Address already in use/);
  });
});
