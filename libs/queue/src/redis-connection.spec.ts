import {
  PRODUCER_MAX_RETRIES_PER_REQUEST,
  createRedisConnection,
  isRedisUnavailableError,
  redisConnectionOptions,
} from './redis-connection';

describe('redisConnectionOptions', () => {
  it('gives workers the blocking-safe settings BullMQ requires', () => {
    const opts = redisConnectionOptions('worker');
    expect(opts.maxRetriesPerRequest).toBeNull();
    expect(opts.enableReadyCheck).toBe(true);
    expect(opts.enableOfflineQueue).not.toBe(false);
  });

  it('makes producers fail fast', () => {
    const opts = redisConnectionOptions('producer');
    expect(opts.maxRetriesPerRequest).toBe(PRODUCER_MAX_RETRIES_PER_REQUEST);
    expect(opts.enableOfflineQueue).toBe(false);
  });

  it('names connections by role', () => {
    expect(redisConnectionOptions('worker').connectionName).toBe('fleetsign-worker');
    expect(redisConnectionOptions('producer').connectionName).toBe('fleetsign-producer');
  });
});

describe('createRedisConnection', () => {
  it('applies the role options and the URL', () => {
    // lazyConnect is not set by us, so disconnect at once; no server is needed to inspect options.
    const conn = createRedisConnection('redis://127.0.0.1:1/3', 'producer');
    try {
      expect(conn.options.port).toBe(1);
      expect(conn.options.db).toBe(3);
      expect(conn.options.enableOfflineQueue).toBe(false);
    } finally {
      conn.disconnect();
    }
  });
});

describe('isRedisUnavailableError', () => {
  it('tells an unreachable Redis from other errors', () => {
    expect(isRedisUnavailableError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
    expect(isRedisUnavailableError(Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isRedisUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe(true);
    expect(isRedisUnavailableError(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isRedisUnavailableError('Connection is closed.')).toBe(false);
  });
});
