import {
  PRODUCER_MAX_RETRIES_PER_REQUEST,
  createRedisConnection,
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
