import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  BATCH_MAX_ITEMS,
  type BatchItemsPage,
  type BatchView,
  ITEMS_PAGE_MAX,
  batchItemsPageSchema,
  batchItemsQuerySchema,
  batchViewSchema,
  createBatchRequestSchema,
  createBatchResponseSchema,
  idempotencyKeySchema,
} from '@fleetsign/api';
import { ErrorCode } from '@fleetsign/errors';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, type Principal, RequireScope } from '../auth/principal';
import { ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { inRequestSpan, jobOriginOfRequest } from '../http/request-context';
import { validate } from '../http/zod-validation';
import { noteQuota } from '../quotas/quota-headers';
import { BatchBody } from './batch-body-limit';
import { BatchesService } from './batches.service';

const AUTH_PROBLEMS = {
  401: [ErrorCode.Unauthenticated, ErrorCode.TokenInvalid],
  403: [ErrorCode.Forbidden],
} as const;

/** `POST /v1/batches`, `GET /v1/batches/{id}` and `GET /v1/batches/{id}/items`. */
@ApiTags('batches')
@ApiBearerAuth()
@Controller('v1/batches')
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post()
  @HttpCode(202)
  @RequireScope('batch')
  @BatchBody()
  @ApiOperation({
    summary: 'Submit a batch of images for signing',
    description:
      `Enqueues one sign job per item (1-${BATCH_MAX_ITEMS} items, each source under incoming/<tenant>/, names unique). ` +
      'Items are signed after single jobs, and tenants share the signers slice by slice. With an Idempotency-Key, ' +
      'repeating the same request returns the same batch (and completes an enqueue a failed attempt left half done); ' +
      'the same key with a different body is 409. A missing source object fails its item, not the batch.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: '1-255 visible ASCII characters' })
  @ApiJsonBody(createBatchRequestSchema)
  @ApiJsonResponse(
    202,
    createBatchResponseSchema,
    'Batch accepted (or the existing batch for a repeated request)',
  )
  @ApiProblems({
    400: [ErrorCode.MalformedRequest, ErrorCode.ValidationFailed],
    ...AUTH_PROBLEMS,
    409: [ErrorCode.IdempotencyConflict],
    413: [ErrorCode.PayloadTooLarge],
    415: [ErrorCode.MalformedRequest],
    422: [ErrorCode.UnknownProfile, ErrorCode.ProfileRevoked, ErrorCode.KeyRevoked, ErrorCode.KeyNotYetValid, ErrorCode.KeyExpired, ErrorCode.ChipNotAllowed],
    429: [ErrorCode.RateLimited, ErrorCode.QuotaExceeded],
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = validate(createBatchRequestSchema, body);
    const idempotencyKey =
      idempotencyKeyHeader === undefined
        ? undefined
        : validate(idempotencyKeySchema, idempotencyKeyHeader, 'Idempotency-Key header');
    const batch = await inRequestSpan(reply.request, 'enqueue batch items', () =>
      this.batches.create(principal, request, idempotencyKey, jobOriginOfRequest(reply.request)),
    );
    if (batch.quota) noteQuota(reply.request, batch.quota);
    const self = this.batches.selfUrl(batch.id);
    void reply.header('location', self);
    return { id: batch.id, state: batch.state, total: batch.total, links: { self } };
  }

  @Get(':id')
  @RequireScope('read')
  @ApiOperation({
    summary: 'State of a batch',
    description:
      'Item counts, progress, the manifest (once completed) and the batch webhook delivery state. ' +
      "Another tenant's batch is reported as not found.",
  })
  @ApiParam({ name: 'id', description: 'Batch id from POST /v1/batches' })
  @ApiJsonResponse(200, batchViewSchema, 'The batch')
  @ApiProblems({ ...AUTH_PROBLEMS, 404: [ErrorCode.NotFound] })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<BatchView> {
    return this.batches.get(principal, id);
  }

  @Get(':id/items')
  @RequireScope('read')
  @ApiOperation({
    summary: 'Items of a batch, page by page',
    description:
      'Items in index order with their state, signed object, digests and a presigned download URL (succeeded items) ' +
      'or error (failed items). Follow nextCursor for the next page.',
  })
  @ApiParam({ name: 'id', description: 'Batch id from POST /v1/batches' })
  @ApiQuery({
    name: 'state',
    required: false,
    enum: ['succeeded', 'failed', 'all'],
    description: 'Default all',
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: `Items per page, 1-${ITEMS_PAGE_MAX} (default 100)`,
  })
  @ApiJsonResponse(200, batchItemsPageSchema, 'One page of items')
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], ...AUTH_PROBLEMS, 404: [ErrorCode.NotFound] })
  items(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<BatchItemsPage> {
    return this.batches.items(principal, id, validate(batchItemsQuerySchema, query, 'query'));
  }
}
