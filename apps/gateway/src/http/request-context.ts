import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  SpanKind,
  type Span,
  parentContextOfHeaders,
  recordFailure,
  traceContextOf,
  tracingEnabled,
  withSpan,
} from '@fleetsign/observability';
import { type JobOrigin, REQUEST_ID_HEADER, isValidRequestId } from '@fleetsign/queue';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The field request ids have in the gateway's log lines (and the signer's and notifier's). */
export const REQUEST_ID_LOG_LABEL = 'requestId';

/**
 * Fastify's `genReqId`: the client's `X-Request-Id` when it is a valid id (see
 * `isValidRequestId`), else a fresh UUID, so junk is never reflected into logs or headers.
 */
export function requestIdFor(raw: IncomingMessage): string {
  const given = raw.headers[REQUEST_ID_HEADER];
  return isValidRequestId(given) ? given : randomUUID();
}

/** The server span of each request while tracing is on. */
const requestSpans = new WeakMap<FastifyRequest, Span>();

function endRequestSpan(request: FastifyRequest, statusCode: number | undefined, aborted: boolean): void {
  const span = requestSpans.get(request);
  if (!span) return;
  requestSpans.delete(request);
  const route = request.routeOptions?.url;
  if (route) {
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
  }
  if (aborted) span.setAttribute('fleetsign.client_aborted', true);
  else if (statusCode !== undefined) span.setAttribute('http.response.status_code', statusCode);
  if (statusCode !== undefined && statusCode >= 500) recordFailure(span, new Error(`HTTP ${statusCode}`));
  span.end();
}

/**
 * Returns the request id on every response (problem+json errors included) and, when
 * tracing is on, makes one server span per request, continuing a client's `traceparent`.
 */
export function registerRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    if (!tracingEnabled()) return;
    const span = trace.getTracer('fleetsign').startSpan(
      `${request.method}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0],
          'fleetsign.request_id': request.id,
        },
      },
      parentContextOfHeaders(request.headers),
    );
    requestSpans.set(request, span);
  });
  fastify.addHook('onResponse', async (request, reply) => endRequestSpan(request, reply.statusCode, false));
  fastify.addHook('onRequestAbort', async (request) => endRequestSpan(request, undefined, true));
}

/** The request's server span as a parent context (ROOT_CONTEXT without tracing). */
function requestContext(request: FastifyRequest) {
  const span = requestSpans.get(request);
  return span ? trace.setSpan(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

/**
 * Runs `fn` as a child span of the request's span (e.g. adding its jobs to the queue)
 * and returns what it returns; without tracing `fn` runs alone.
 */
export function inRequestSpan<T>(request: FastifyRequest, name: string, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn();
  return withSpan(name, { kind: SpanKind.PRODUCER, parent: requestContext(request) }, fn);
}

/** The origin of the jobs a request causes: its request id, and its trace context when tracing is on. */
export function jobOriginOfRequest(request: FastifyRequest): JobOrigin {
  const traceContext = tracingEnabled() ? traceContextOf() ?? traceContextOf(requestContext(request)) : undefined;
  return { requestId: request.id, ...(traceContext ? { traceContext } : {}) };
}
