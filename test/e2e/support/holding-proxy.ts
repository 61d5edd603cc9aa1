import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// An HTTP proxy on 127.0.0.1 in front of the object store that forwards everything, but
// for the first request matching a rule it withholds the store's answer: the request has
// taken effect upstream, the caller never learns it. A spec can then act (kill the
// caller) at a known point of its work instead of guessing with timing.

/** A request the proxy forwarded and whose answer it withholds. */
export interface HeldRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Status the upstream answered with. */
  upstreamStatus: number;
}

/** A running proxy. */
export interface HoldingProxy {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** Resolves once the matching request went through upstream and its answer is held. */
  held: Promise<HeldRequest>;
  close(): Promise<void>;
}

/** Forwards `req` to `upstream` and hands back its response. */
function forward(upstream: URL, req: IncomingMessage, onResponse: (upstreamRes: IncomingMessage) => void, onError: (err: Error) => void): void {
  // No 100-continue handshake through the proxy: the body follows the headers at once.
  const { expect: _expect, ...headers } = req.headers;
  const out = httpRequest(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    onResponse,
  );
  out.on('error', onError);
  req.pipe(out);
}

/** Starts a proxy to `upstream` (http://host:port) that withholds the answer to the first request `hold` picks. */
export async function startHoldingProxy(upstream: string, hold: (method: string, path: string) => boolean): Promise<HoldingProxy> {
  const target = new URL(upstream);
  let matched = false;
  let resolveHeld: (held: HeldRequest) => void = () => undefined;
  const held = new Promise<HeldRequest>((resolve) => (resolveHeld = resolve));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const holdThis = !matched && hold(req.method ?? '', path);
    if (holdThis) matched = true;
    forward(
      target,
      req,
      (upstreamRes) => {
        if (holdThis) {
          // Drain the answer so the upstream finishes, then keep the caller waiting.
          upstreamRes.resume();
          upstreamRes.on('end', () => resolveHeld({ method: req.method ?? '', url: req.url ?? '', upstreamStatus: upstreamRes.statusCode ?? 0 }));
          return;
        }
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
