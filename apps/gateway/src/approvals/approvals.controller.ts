import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import { CurrentPrincipal, type Principal, hasScope } from '../auth/principal';
import { ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { validate } from '../http/zod-validation';
import {
  type ApprovalListEntry,
  approvalListEntrySchema,
  approvalListSchema,
  decisionRequestSchema,
  decisionResponseSchema,
} from '@fleetsign/api';
import { ApprovalsService, type DecisionOutcome } from './approvals.service';

const DECISION_PROBLEMS = {
  400: [ErrorCode.MalformedRequest, ErrorCode.ValidationFailed],
  401: [ErrorCode.Unauthenticated],
  403: [ErrorCode.ApproverNotAllowed, ErrorCode.ApprovalByRequester],
  404: [ErrorCode.NotFound],
  409: [ErrorCode.ApprovalAlreadyDecided, ErrorCode.ApprovalClosed, ErrorCode.ApprovalExpired],
} as const;

const DECISION_TEXT =
  'Dual control: an approver of the profile (an API key it names, or a key of the same tenant holding one of its ' +
  'approver scopes; never the requester) approves or rejects. Each approver counts once (a second decision is 409 ' +
  'APPROVAL_ALREADY_DECIDED). The Nth distinct approval releases the signing; one rejection fails it with ' +
  'APPROVAL_REJECTED; after expiresAt it fails with APPROVAL_EXPIRED. No HSM operation happens before the release.';

/** Decisions on held jobs and batches, and the list of pending approvals. */
@ApiTags('approvals')
@ApiBearerAuth()
@Controller('v1')
export class ApprovalsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Post('jobs/:id/approvals')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject a job awaiting approval', description: DECISION_TEXT })
  @ApiParam({ name: 'id', description: 'Job id' })
  @ApiJsonBody(decisionRequestSchema)
  @ApiJsonResponse(200, decisionResponseSchema, 'The decision was recorded; the approval as it now stands')
  @ApiProblems(DECISION_PROBLEMS)
  decideJob(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<DecisionOutcome> {
    return this.approvals.decide(principal, 'job', id, validate(decisionRequestSchema, body));
  }

  @Post('batches/:id/approvals')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject a batch awaiting approval (one approval covers every item)', description: DECISION_TEXT })
  @ApiParam({ name: 'id', description: 'Batch id' })
  @ApiJsonBody(decisionRequestSchema)
  @ApiJsonResponse(200, decisionResponseSchema, 'The decision was recorded; the approval as it now stands')
  @ApiProblems(DECISION_PROBLEMS)
  decideBatch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: unknown): Promise<DecisionOutcome> {
    return this.approvals.decide(principal, 'batch', id, validate(decisionRequestSchema, body));
  }

  @Get('approvals')
  @ApiOperation({
    summary: 'Pending approvals',
    description:
      "Jobs and batches of the caller's tenant awaiting approval, soonest expiry first (every tenant's for an operator key), " +
      'each with mayDecide: whether the caller may approve or reject it.',
  })
  @ApiJsonResponse(200, approvalListSchema, 'Pending approvals')
  @ApiProblems({ 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden] })
  async list(@CurrentPrincipal() principal: Principal): Promise<{ approvals: ApprovalListEntry[] }> {
    return { approvals: await this.approvals.list(principal, hasScope(principal, 'operator')) };
  }

  @Get('approvals/:id')
  @ApiOperation({ summary: 'The approval of a job or batch', description: 'Pending or decided; every decision with approver, time and comment.' })
  @ApiParam({ name: 'id', description: 'Job or batch id' })
  @ApiJsonResponse(200, approvalListEntrySchema, 'The approval')
  @ApiProblems({ 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden], 404: [ErrorCode.NotFound] })
  show(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ApprovalListEntry> {
    return this.approvals.show(principal, id);
  }
}
