import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalRedis, startLocalRedis } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { checkRedisPersistence } from '@fleetsign/queue';
import { Redis } from 'ioredis';
import { createGateway } from '../../../apps/gateway/src';
import { gatewayTestEnv, writeHarnessConfig } from '../gateway/gateway-harness';
import { requireTestEnv } from '../../support/test-env';

// The start-up check every process makes: a Redis of its own here, switched between
// AOF, nothing (volatile) and a user that may not run CONFIG.

jest.setTimeout(60_000);

describe('Redis persistence check', () => {
  let dir: string;
  let server: LocalRedis;
  let admin: Redis;

  beforeAll(async () => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'redis-persistence-'));
    server = await startLocalRedis({ dir });
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (redis: Redis, allowVolatile?: boolean) => {
    const warnings: string[] = [];
    return {
      warnings,
      result: checkRedisPersistence(redis, { allowVolatile, process: 'test', warn: (message) => warnings.push(message) }),
    };
  };

  it('passes a Redis with AOF (what devstack runs) without a word', async () => {
    const { warnings, result } = check(admin);
    await expect(result).resolves.toMatchObject({ state: 'persistent', appendonly: true });
    expect(warnings).toEqual([]);
  });

  it('refuses a volatile Redis in one line naming the requirement, unless allowed', async () => {
    await admin.config('SET', 'appendonly', 'no');
    try {
      const refused = check(admin);
      await expect(refused.result).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, message: expect.stringMatching(/^Redis persists nothing[^\n]*appendonly yes/) });
      const allowed = check(admin, true);
      await expect(allowed.result).resolves.toEqual({ state: 'volatile' });
      expect(allowed.warnings).toEqual([expect.stringContaining('FLEETSIGN_REDIS_ALLOW_VOLATILE=true')]);

      const harness = writeHarnessConfig();
      try {
        const env = { ...gatewayTestEnv(harness.configPath, '{persistence}'), REDIS_URL: server.url };
        await expect(createGateway({ env, logLevel: 'silent' })).rejects.toMatchObject({
          code: ErrorCode.InvalidConfig,
          message: expect.stringContaining('Redis persists nothing'),
        });
      } finally {
        rmSync(harness.dir, { recursive: true, force: true });
      }
    } finally {
      await admin.config('SET', 'appendonly', 'yes');
    }
  });

  it('warns, naming the requirement, where CONFIG is denied', async () => {
    await admin.call('ACL', 'SETUSER', 'app', 'on', '>app-password', '~*', '&*', '+@all', '-config');
    const limited = new Redis(server.url, { username: 'app', password: 'app-password', maxRetriesPerRequest: 1 });
    try {
      const { warnings, result } = check(limited);
      await expect(result).resolves.toMatchObject({ state: 'unknown' });
      expect(warnings).toEqual([expect.stringMatching(/cannot check that Redis persists.*appendonly yes/)]);
      expect(warnings[0]).not.toContain('app-password');
    } finally {
      limited.disconnect();
    }
  });
});
