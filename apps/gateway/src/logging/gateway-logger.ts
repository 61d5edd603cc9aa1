import type { ProcessLoggerOptions } from '@fleetsign/process-kit';
import type { FastifyRequest } from 'fastify';

/**
 * Paths pino blanks out wherever they appear in a log line: bearer tokens and
 * presigned-URL signatures are credentials.
 */
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  'uploadUrl',
  'downloadUrl',
];

/** Request fields worth a log line: the path without its query, which may carry a URL signature. */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  const url = request.url ?? '';
  const queryAt = url.indexOf('?');
  return {
    method: request.method,
    path: queryAt === -1 ? url : url.slice(0, queryAt),
    remoteAddress: request.ip,
    id: request.id,
  };
}

/** The gateway's logger (createProcessLogger): credentials redacted, request URLs without query strings. */
export const GATEWAY_LOGGER: ProcessLoggerOptions = {
  name: 'fleetsign-gateway',
  redact: REDACTED_PATHS,
  serializers: { req: serializeRequest },
};
