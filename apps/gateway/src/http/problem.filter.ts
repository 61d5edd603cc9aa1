import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { isRedisUnavailableError } from '@fleetsign/queue';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { noteQuota } from '../quotas/quota-headers';
import { QuotaProblem } from '../quotas/tenant-quotas';
import { HttpProblem, PROBLEM_CONTENT_TYPE, ProblemBody, problemBody, statusForCode } from './http-problem';

/** Codes for errors the framework raises itself (body parser, router), by status. */
function codeForFrameworkStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 415:
      return ErrorCode.MalformedRequest;
    case 401:
      return ErrorCode.Unauthenticated;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
    case 405:
      return ErrorCode.NotFound;
    case 413:
      return ErrorCode.PayloadTooLarge;
    default:
      return status < 500 ? ErrorCode.InvalidArgument : ErrorCode.Internal;
  }
}

function frameworkDetail(err: HttpException): string {
  const response = err.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return typeof message === 'string' ? message : err.message;
}

/** Maps anything thrown while serving a request to a problem body; unexpected errors become a bare 500. */
export function toProblem(err: unknown): ProblemBody {
  if (err instanceof HttpProblem) return problemBody(err.status, err.code, err.message, err.details);
  if (err instanceof FleetSignError) {
    return problemBody(statusForCode(err.code), err.code, err.message, err.details);
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    return problemBody(status, codeForFrameworkStatus(status), frameworkDetail(err));
  }
  return problemBody(500, ErrorCode.Internal, 'Internal error');
}

/** Seconds a client is told to wait (Retry-After) when a dependency is away. */
export const RETRY_AFTER_SEC = 5;

/**
 * The problem for a request that failed because Redis is away: 503 SERVICE_UNAVAILABLE,
 * never a 404 or 500 that would tell the client something false about its job.
 */
export function redisUnavailableProblem(): ProblemBody {
  return problemBody(503, ErrorCode.ServiceUnavailable, 'Job state is unavailable right now (Redis does not answer); retry later');
}

/**
 * True when the client closed the connection before the response: an upload it
 * abandoned, a request it cancelled. That is the client's choice, not a fault of the
 * gateway, and nobody is left to read an answer.
 */
export function clientClosedRequest(request: FastifyRequest, reply: FastifyReply): boolean {
  const raw = request.raw as { aborted?: boolean; socket?: { destroyed?: boolean } | null };
  return raw.aborted === true || reply.raw.destroyed || raw.socket?.destroyed === true;
}

/** Global filter: every error leaves the gateway as `application/problem+json` with a stable code. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  /** `redisReady`: whether the gateway's Redis connection serves; an unexpected error while it does not is a 503. */
  constructor(
    private readonly logger: Logger,
    private readonly redisReady: () => boolean = () => true,
  ) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    let problem = toProblem(err);
    if (problem.status === 500 && (isRedisUnavailableError(err) || !this.redisReady())) problem = redisUnavailableProblem();
    const where = { requestId: request.id, method: request.method, route: request.routeOptions?.url };
    // A refusal the gateway decided (4xx, e.g. 413 while streaming an upload) is still
    // answered even though its own stop of the body marked the request aborted.
    if (problem.status >= 500 && clientClosedRequest(request, reply)) {
      this.logger.info({ ...where, reason: err instanceof Error ? err.message : String(err) }, 'client closed the request before the response');
      reply.raw.destroy();
      return;
    }
    if (reply.sent) {
      // A streamed body was already under way: the only honest signal left is a cut connection.
      this.logger.warn({ err, ...where }, 'response aborted');
      reply.raw.destroy();
      return;
    }
    if (problem.status >= 500) {
      this.logger.error({ err, ...where }, 'request failed');
    }
    if (problem.status === 401) reply.header('www-authenticate', 'Bearer');
    if (problem.status === 503) reply.header('retry-after', String(RETRY_AFTER_SEC));
    if (err instanceof QuotaProblem) {
      noteQuota(request, err.quota);
      reply.header('retry-after', String(err.retryAfterSec));
    }
    // A refused upload leaves its body unread: close the connection rather than drain it.
    if (!request.raw.complete) reply.header('connection', 'close');
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }
}
