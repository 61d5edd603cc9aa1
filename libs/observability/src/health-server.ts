import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** Where and what the health listener serves. */
export interface HealthServerOptions {
  /** TCP port; 0 lets the system pick a free one (tests). */
  port: number;
  host: string;
  registry: Registry;
  /** True while the process can do its work (e.g. signer: keys loaded and worker running); false while stopping. */
  isReady: () => boolean;
  /** Extra fields of the /healthz and /readyz bodies (e.g. the signer's profile states). */
  details?: () => Record<string, unknown>;
  /**
   * Dependency probes of GET /readyz (e.g. redis, store): each resolves when the
   * dependency answers. /readyz is 200 only when isReady() and every probe pass.
   */
  readinessProbes?: Record<string, () => Promise<unknown>>;
}

/** Longest a readiness probe may take before it counts as failed. */
export const READINESS_PROBE_TIMEOUT_MS = 2_000;

/**
 * Runs one dependency probe with a time limit: ok when it resolves in time, else the
 * reason. Shared by every /readyz (gateway, signer, notifier).
 */
export async function probeDependency(
  run: () => Promise<unknown>,
  timeoutMs = READINESS_PROBE_TIMEOUT_MS,
): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([run(), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** GET /readyz: the process is ready and every dependency answers (names only; never an error text). */
async function readiness(options: HealthServerOptions): Promise<{ ready: boolean; body: Record<string, unknown> }> {
  const names = Object.keys(options.readinessProbes ?? {});
  const results = await Promise.all(names.map((name) => probeDependency(options.readinessProbes![name])));
  const checks: Record<string, 'ok' | 'failed'> = { process: options.isReady() ? 'ok' : 'failed' };
  names.forEach((name, index) => (checks[name] = results[index].ok ? 'ok' : 'failed'));
  const ready = Object.values(checks).every((result) => result === 'ok');
  return { ready, body: { status: ready ? 'ok' : 'unavailable', checks, ...options.details?.() } };
}

/** A running health listener. */
export interface HealthServer {
  /** Base URL, e.g. http://127.0.0.1:9465. */
  url: string;
  close(): Promise<void>;
}

async function answer(request: IncomingMessage, response: ServerResponse, options: HealthServerOptions): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
  } else if (path === '/metrics') {
    const text = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType }).end(text);
  } else if (path === '/healthz') {
    const ready = options.isReady();
    const body = { status: ready ? 'ok' : 'unavailable', ...options.details?.() };
    response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } else if (path === '/readyz') {
    const { ready, body } = await readiness(options);
    response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } else {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not found' }));
  }
}

/** Starts a process's small listener: GET /metrics (Prometheus text), GET /healthz (200 ready / 503 not) and GET /readyz (ready and every dependency answers). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((request, response) => {
    answer(request, response, options).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
