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
   * Readiness of GET /readyz when it asks more than `isReady` (the signer: every profile's
   * keys can sign); without it /readyz answers as /healthz.
   */
  isFullyReady?: () => boolean;
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
  } else if (path === '/healthz' || path === '/readyz') {
    const ready = path === '/readyz' && options.isFullyReady ? options.isFullyReady() : options.isReady();
    const body = { status: ready ? 'ok' : 'unavailable', ...options.details?.() };
    response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } else {
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not found' }));
  }
}

/** Starts a process's small listener: GET /metrics (Prometheus text), GET /healthz and GET /readyz (200 ready / 503 not). */
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
