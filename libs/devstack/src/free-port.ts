import { createServer } from 'node:net';

/**
 * A TCP port nobody listens on right now on `host` (default 127.0.0.1), chosen by the
 * OS. Another process may take it before the caller binds it, so callers that start
 * a server on it should retry with a new port when the bind fails.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => (port ? resolve(port) : reject(new Error(`no free port on ${host}`))));
    });
  });
}
