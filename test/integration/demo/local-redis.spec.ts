import { pingRedis, pollUntil, startLocalRedis, type LocalRedis } from '@fleetsign/devstack';
import { Redis } from 'ioredis';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
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

  it('runs a loopback redis-server configured for BullMQ and persisted with AOF, and stops it', async () => {
    redis = await startLocalRedis({ dir });
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', realpathSync(dir)]);
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

  it('keeps what was written across a SIGKILL and a restart in the same folder', async () => {
    redis = await startLocalRedis({ dir });
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await client.set('accepted', 'batch_1');
      // appendfsync everysec: the write reaches the AOF within about a second; wait for it, bounded.
      const aofDir = join(dir, 'appendonlydir');
      await pollUntil(
        async () => (readdirSync(aofDir).some((name) => readFileSync(join(aofDir, name), 'latin1').includes('batch_1')) ? true : undefined),
        { timeoutMs: 5_000, intervalMs: 100, description: 'the write to reach the AOF' },
      );
    } finally {
      client.disconnect();
    }
    await redis.kill();
    redis = await startLocalRedis({ dir, port: redis.port });
    const again = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await again.get('accepted')).toBe('batch_1');
    } finally {
      again.disconnect();
    }
  });

  it('reports a port it cannot bind with the server log', async () => {
    redis = await startLocalRedis({ dir: join(dir, 'first') });
    await expect(
      startLocalRedis({ dir: join(dir, 'second'), port: redis.port, readyTimeoutMs: 5_000 }),
    ).rejects.toThrow(/redis-server exited.*Address already in use/);
  });
});
