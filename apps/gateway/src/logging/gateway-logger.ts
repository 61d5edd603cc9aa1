import type { LoggerService } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import pino, { DestinationStream, Logger, LevelWithSilent } from 'pino';

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

/** The gateway's pino logger: JSON lines, credentials redacted, request URLs without query strings. */
export function createGatewayLogger(level: LevelWithSilent = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      name: 'fleetsign-gateway',
      level,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      serializers: { req: serializeRequest as (req: unknown) => unknown, err: pino.stdSerializers.err },
    },
    destination,
  );
}

/** Routes Nest's own log calls (module init, route mapping, shutdown) into the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
