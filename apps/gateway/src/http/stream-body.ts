import { UnsupportedMediaTypeException } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** Fastify route config flag set by {@link StreamBody}. */
const STREAM_BODY = 'fleetsign.streamBody';

/**
 * Marks a route whose request body is read as a raw byte stream (uploads). Such a
 * route receives any non-JSON content type unparsed; other routes refuse it with 415.
 */
export const StreamBody = () => RouteConfig({ [STREAM_BODY]: true });

function wantsStream(request: FastifyRequest): boolean {
  const config = request.routeOptions.config as unknown as Record<string, unknown> | undefined;
  return config?.[STREAM_BODY] === true;
}

/**
 * Registers the parser for every non-JSON body: on stream routes the payload is left
 * unread for the handler (no buffering, no Fastify body limit: the handler
 * enforces its own); everywhere else a non-JSON body is 415.
 */
export function registerStreamBodyParser(fastify: FastifyInstance): void {
  // JSON is the only parsed body (Fastify's own parser, with its body limit); plain text goes to '*'.
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser('*', (request, payload, done) => {
    if (wantsStream(request)) {
      done(null, payload);
      return;
    }
    done(
      new UnsupportedMediaTypeException('Unsupported Content-Type: this route accepts application/json'),
      undefined,
    );
  });
}

/** The unread request body of a stream route, or 415 when the body was parsed as JSON instead. */
export function requestStream(request: FastifyRequest): IncomingMessage {
  if (request.body !== undefined && request.body !== request.raw) {
    throw new UnsupportedMediaTypeException('Send the object bytes as application/octet-stream, not as JSON or a form');
  }
  return request.raw;
}

/** The Content-Length header as a number, or undefined when absent or not a decimal. */
export function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : undefined;
}
