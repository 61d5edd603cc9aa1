import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode } from '@fleetsign/errors';
import { PROBLEM_CONTENT_TYPE, problemBody } from './http-problem';

/**
 * The answer to a request Node's HTTP parser refused before any route saw it: a
 * header block or query string past the limit (431), a request that timed out (408),
 * anything else unparsable (400). Fastify's own answer is plain JSON; ours is the same
 * problem+json with a stable code that every other error of the gateway is.
 */
export function clientErrorResponse(errorCode: string | undefined): string {
  const [status, code, detail] =
    errorCode === 'HPE_HEADER_OVERFLOW'
      ? [431, ErrorCode.RequestHeadersTooLarge, 'The request line or headers are larger than the gateway accepts']
      : errorCode === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, ErrorCode.MalformedRequest, 'The request did not arrive in time']
        : [400, ErrorCode.MalformedRequest, 'The request could not be parsed as HTTP'];
  const body = JSON.stringify(problemBody(status, code, detail));
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Fastify's `clientErrorHandler`: answers with `clientErrorResponse` and closes the connection. */
export function problemClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) socket.write(clientErrorResponse(err.code));
  socket.destroy();
}
