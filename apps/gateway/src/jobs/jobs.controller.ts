import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  type JobView,
  createJobRequestSchema,
  createJobResponseSchema,
  idempotencyKeySchema,
  jobViewSchema,
} from '@fleetsign/api';
import { ErrorCode } from '@fleetsign/errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal, RequireScope } from '../auth/principal';
import { ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { inRequestSpan, jobOriginOfRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';
import { noteQuota } from '../quotas/quota-headers';
import { JobsService } from './jobs.service';

const AUTH_PROBLEMS = {
  401: [ErrorCode.Unauthenticated, ErrorCode.TokenInvalid],
} as const;

/** `POST /v1/jobs` and `GET /v1/jobs/{id}`. */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(202)
  @RequireScope('sign')
  @ApiOperation({
    summary: 'Submit an image for signing',
    description:
      'Enqueues a sign job for an uploaded image. With an Idempotency-Key, repeating the same request returns ' +
      'the same job (202 again); the same key with a different body is 409. Body references that cannot be used ' +
      '(unknown or revoked profile, missing source object, an uploaded image for a chip the profile does not allow) are 422.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 visible ASCII characters' })
  @ApiJsonBody(createJobRequestSchema)
  @ApiJsonResponse(202, createJobResponseSchema, 'Job accepted (or the existing job for a repeated request)')
  @ApiProblems({
    400: [ErrorCode.MalformedRequest, ErrorCode.ValidationFailed],
    ...AUTH_PROBLEMS,
    403: [ErrorCode.Forbidden],
    409: [ErrorCode.IdempotencyConflict],
    413: [ErrorCode.PayloadTooLarge],
    415: [ErrorCode.MalformedRequest],
    422: [ErrorCode.UnknownProfile, ErrorCode.ProfileRevoked, ErrorCode.KeyRevoked, ErrorCode.KeyNotYetValid, ErrorCode.KeyExpired, ErrorCode.SourceNotFound, ErrorCode.ChipNotAllowed],
    429: [ErrorCode.RateLimited, ErrorCode.QuotaExceeded],
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = validate(createJobRequestSchema, body);
    const idempotencyKey =
      idempotencyKeyHeader === undefined
        ? undefined
        : validate(idempotencyKeySchema, idempotencyKeyHeader, 'Idempotency-Key header');
    const job = await inRequestSpan(reply.request, 'enqueue sign job', () =>
      this.jobs.create(principal, request, idempotencyKey, jobOriginOfRequest(reply.request)),
    );
    if (job.quota) noteQuota(reply.request, job.quota);
    const self = this.jobs.selfUrl(job.id);
    void reply.header('location', self);
    return { id: job.id, state: job.state, links: { self } };
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'State of a job',
    description:
      'State, failure reason, result (digests, key digests, presigned download URL) and webhook delivery state. ' +
      "Another tenant's job is reported as not found.",
  })
  @ApiParam({ name: 'id', description: 'Job id from POST /v1/jobs' })
  @ApiJsonResponse(200, jobViewSchema, 'The job')
  @ApiProblems({ ...AUTH_PROBLEMS, 403: [ErrorCode.Forbidden], 404: [ErrorCode.NotFound] })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<JobView> {
    return this.jobs.get(principal, id);
  }
}
