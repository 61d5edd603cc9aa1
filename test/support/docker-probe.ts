import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/** How long the probe waits for a Docker engine before deciding there is none. */
export const DOCKER_PROBE_TIMEOUT_MS = 200;

type Endpoint = { socketPath: string } | { host: string; port: number };

function dockerEndpoint(): Endpoint | undefined {
  const dockerHost = process.env.DOCKER_HOST;
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
    if (dockerHost.startsWith('tcp://')) {
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      return { host: url.hostname, port: Number(url.port || 2375) };
    }
    return undefined;
  }
  const candidates = ['/var/run/docker.sock'];
  if (process.env.XDG_RUNTIME_DIR) candidates.push(join(process.env.XDG_RUNTIME_DIR, 'docker.sock'));
  const socketPath = candidates.find((path) => existsSync(path));
  return socketPath ? { socketPath } : undefined;
}

/**
 * True when a Docker engine answers `GET /_ping` within the timeout. Cheap, so the
 * harness can decide whether loading testcontainers is worth it at all.
 * A TLS-protected `tcp://` engine counts as answering when it accepts the connection.
 */
export async function dockerEngineAnswers(timeoutMs = DOCKER_PROBE_TIMEOUT_MS): Promise<boolean> {
  const endpoint = dockerEndpoint();
  if (!endpoint) return false;
  const tlsOnly = process.env.DOCKER_TLS_VERIFY === '1' && 'host' in endpoint;
  return new Promise<boolean>((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET' }, (res) => {
      res.resume();
      finish(res.statusCode === 200);
    });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(answered: boolean): void {
      clearTimeout(timer);
      req.destroy();
      resolve(answered);
    }
    if (tlsOnly) req.on('socket', (socket) => socket.once('connect', () => finish(true)));
    req.on('error', () => finish(false));
    req.end();
  });
}
