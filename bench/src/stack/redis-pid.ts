import { createRedisConnection } from '@fleetsign/queue';

/** Process id of the redis-server at `url` (from INFO server), or undefined when it does not say. */
export async function redisServerPid(url: string): Promise<number | undefined> {
  const connection = createRedisConnection(url, 'worker');
  try {
    const info = await connection.info('server');
    const pid = /^process_id:(\d+)/m.exec(info)?.[1];
    return pid ? Number(pid) : undefined;
  } finally {
    connection.disconnect();
  }
}
