import { createConnection } from 'node:net';

/**
 * Sends one PING over a plain TCP connection; true when the server answers +PONG
 * within `timeoutMs`. Needs no client library and never throws.
 */
export function pingRedis(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/**
 * The `process_id` the Redis server on `port` reports (INFO server), or undefined when
 * nothing answers in time. Tells a server we started apart from another one that
 * happens to answer on the same port.
 */
export function redisProcessId(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 500,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    let settled = false;
    const done = (pid: number | undefined): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
    socket.on('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (!header) {
        if (reply.includes('\r\n')) done(undefined); // an error reply (-LOADING, -NOAUTH...)
        return;
      }
      if (reply.length < header[0].length + Number(header[1])) return;
      const pid = /^process_id:(\d+)\r?$/m.exec(reply);
      done(pid ? Number(pid[1]) : undefined);
    });
  });
}
