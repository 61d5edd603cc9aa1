import { Writable } from 'node:stream';
import { ErrorCode } from '@fleetsign/errors';
import { Redis } from 'ioredis';
import { LOG_LEVELS, loadLogLevel } from './log-levels';
import { NestPinoLogger } from './nest-pino-logger';
import { createProcessLogger } from './process-logger';
import { waitForRedis } from './wait-for-redis';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, stream };
}

describe('createProcessLogger', () => {
  it('names the process, redacts the given paths and keeps error stacks', () => {
    const { lines, stream } = capture();
    const logger = createProcessLogger(
      { name: 'fleetsign-x', level: 'info', redact: ['pin', '*.pin'] },
      stream,
    );
    logger.info({ pin: '1234', slot: { pin: '5678' } }, 'opened');
    logger.error({ err: new Error('boom') }, 'failed');
    logger.debug('not at info');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      name: 'fleetsign-x',
      pin: '[Redacted]',
      slot: { pin: '[Redacted]' },
      msg: 'opened',
    });
    expect((lines[1].err as { stack: string }).stack).toContain('boom');
  });
});

describe('NestPinoLogger', () => {
  it("logs Nest's log as info, debug as debug and verbose as trace", () => {
    const { lines, stream } = capture();
    const nest = new NestPinoLogger(createProcessLogger({ name: 'n', level: 'trace', redact: [] }, stream));
    nest.log('routes mapped', 'RoutesResolver');
    nest.debug('detail');
    nest.verbose('more detail');
    nest.warn('careful');
    nest.error('broken', 'trace text', 'Ctx');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [30, 'routes mapped'],
      [20, 'detail'],
      [10, 'more detail'],
      [40, 'careful'],
      [50, 'broken'],
    ]);
    expect(lines[0].context).toBe('RoutesResolver');
  });
});

describe('loadLogLevel', () => {
  it('reads FLEETSIGN_LOG_LEVEL, info when unset, and refuses other words naming the setting', () => {
    expect(loadLogLevel({})).toBe('info');
    for (const level of LOG_LEVELS) expect(loadLogLevel({ FLEETSIGN_LOG_LEVEL: level })).toBe(level);
    expect(() => loadLogLevel({ FLEETSIGN_LOG_LEVEL: 'verbose' })).toThrow(
      expect.objectContaining({
        code: ErrorCode.InvalidConfig,
        message: expect.stringContaining('FLEETSIGN_LOG_LEVEL'),
      }),
    );
  });
});

describe('waitForRedis', () => {
  it('gives up after the bound when nothing answers', async () => {
    // Port 1 on loopback: nothing listens, ioredis keeps retrying in the background.
    const redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 50,
    });
    redis.on('error', () => undefined);
    void redis.connect().catch(() => undefined);
    try {
      await expect(waitForRedis(redis, 200)).resolves.toBe(false);
    } finally {
      redis.disconnect();
    }
  });
});
