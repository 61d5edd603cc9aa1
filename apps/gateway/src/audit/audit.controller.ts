import { Controller, Get, Header, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import type { FastifyReply } from 'fastify';
import { ApiJsonResponse, ApiProblems, openApiSchema } from '../docs/openapi-schema';
import { validate } from '../http/zod-validation';
import {
  type CheckpointsPage,
  checkpointsPageSchema,
  checkpointsQuerySchema,
  type CheckpointView,
  checkpointViewSchema,
  MAX_CHECKPOINTS_PAGE,
  type ConsistencyView,
  consistencyQuerySchema,
  consistencyViewSchema,
  type EntriesPage,
  entriesPageSchema,
  entriesQuerySchema,
  type InclusionView,
  inclusionViewSchema,
  MAX_ENTRIES_PAGE,
  type PublicKeyView,
  publicKeyViewSchema,
} from '@fleetsign/api';
import { AuditService } from './audit.service';

const ACCESS_PROBLEMS = { 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden] } as const;
const SCOPE_NOTE = 'Needs the `audit` scope (own tenant) or `operator` (every tenant).';

/** True when the client asks for text/plain and not JSON (log tooling fetching a checkpoint). */
function prefersPlainText(accept: string | undefined): boolean {
  return accept !== undefined && /\btext\/plain\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept);
}

/** `GET /v1/audit/*`: the transparency log, read-only. Scopes are checked by the service (audit or operator). */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('checkpoint')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'The newest signed checkpoint',
    description: `The C2SP tlog-checkpoint signed note and its parsed body; with \`Accept: text/plain\` the note alone, as log tooling reads it. ${SCOPE_NOTE}`,
  })
  @ApiResponse({
    status: 200,
    description: 'The newest checkpoint',
    content: { 'application/json': { schema: openApiSchema(checkpointViewSchema) }, 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiProblems({ ...ACCESS_PROBLEMS, 404: [ErrorCode.NotFound] })
  async checkpoint(
    @CurrentPrincipal() principal: Principal,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CheckpointView | string> {
    const view = await this.audit.checkpoint(principal);
    if (!prefersPlainText(accept)) return view;
    void reply.type('text/plain; charset=utf-8');
    return view.note;
  }

  @Get('checkpoints')
  @ApiOperation({
    summary: 'Every stored checkpoint',
    description: `The signed notes of all checkpoints by ascending size, at most ${MAX_CHECKPOINTS_PAGE} per page, so an auditor can check each signature and root. ${SCOPE_NOTE}`,
  })
  @ApiQuery({ name: 'after', required: false, description: 'only checkpoints of more entries than this', schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'limit', required: false, description: `page size (at most ${MAX_CHECKPOINTS_PAGE})`, schema: { type: 'integer', minimum: 1 } })
  @ApiJsonResponse(200, checkpointsPageSchema, 'The checkpoints')
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], ...ACCESS_PROBLEMS })
  checkpoints(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<CheckpointsPage> {
    const { after, limit } = validate(checkpointsQuerySchema, query, 'query');
    return this.audit.checkpoints(principal, after, limit);
  }

  @Get('public-key')
  @ApiOperation({ summary: "The log's public key", description: `Compare it with the one you obtained out of band. ${SCOPE_NOTE}` })
  @ApiJsonResponse(200, publicKeyViewSchema, 'The log key')
  @ApiProblems({ ...ACCESS_PROBLEMS, 404: [ErrorCode.NotFound] })
  publicKey(@CurrentPrincipal() principal: Principal): Promise<PublicKeyView> {
    return this.audit.publicKey(principal);
  }

  @Get('entries')
  @ApiOperation({
    summary: 'A page of log entries',
    description: `Entries with leaf index in [start, end), at most ${MAX_ENTRIES_PAGE}; an \`audit\` key sees only its tenant's. ${SCOPE_NOTE}`,
  })
  @ApiQuery({ name: 'start', description: 'first leaf index', schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'end', description: `leaf index after the last (at most start + ${MAX_ENTRIES_PAGE})`, schema: { type: 'integer', minimum: 1 } })
  @ApiJsonResponse(200, entriesPageSchema, 'The entries')
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], ...ACCESS_PROBLEMS })
  entries(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<EntriesPage> {
    const { start, end } = validate(entriesQuerySchema, query, 'query');
    return this.audit.entries(principal, start, end);
  }

  @Get('proofs/:jobId')
  @ApiOperation({
    summary: "A job's entry and inclusion proof",
    description: `The entry, its leaf hash and, once a checkpoint covers it, the newest checkpoint and the inclusion proof against it. Another tenant's job is reported as not found. ${SCOPE_NOTE}`,
  })
  @ApiParam({ name: 'jobId', description: 'Job id' })
  @ApiJsonResponse(200, inclusionViewSchema, 'The entry and its proof')
  @ApiProblems({ ...ACCESS_PROBLEMS, 404: [ErrorCode.NotFound] })
  proof(@CurrentPrincipal() principal: Principal, @Param('jobId') jobId: string): Promise<InclusionView> {
    return this.audit.proof(principal, jobId);
  }

  @Get('consistency')
  @ApiOperation({
    summary: 'Consistency proof between two tree sizes',
    description: `Proves the log of \`to\` entries extends the one of \`from\` (e.g. a checkpoint you saved and the newest). ${SCOPE_NOTE}`,
  })
  @ApiQuery({ name: 'from', description: 'the older tree size', schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'to', description: 'the newer tree size', schema: { type: 'integer', minimum: 0 } })
  @ApiJsonResponse(200, consistencyViewSchema, 'The proof')
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], ...ACCESS_PROBLEMS, 404: [ErrorCode.NotFound] })
  consistency(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<ConsistencyView> {
    const { from, to } = validate(consistencyQuerySchema, query, 'query');
    return this.audit.consistency(principal, from, to);
  }
}
