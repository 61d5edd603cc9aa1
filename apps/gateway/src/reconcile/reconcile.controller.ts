import { Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import { RequireScope } from '../auth/principal';
import { ApiProblems } from '../docs/openapi-schema';
import type { ReconcileReport } from './reconcile-report';
import { Reconciler } from './reconciler';

/** `POST /v1/admin/reconcile`: the reconcile step on demand (`fleetsign admin reconcile`). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin')
export class ReconcileController {
  constructor(private readonly reconciler: Reconciler) {}

  @Post('reconcile')
  @HttpCode(200)
  @RequireScope('operator')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Re-create job and batch state lost with Redis from the intake records in the object store',
    description:
      'Every tenant. Adds back what Redis lacks (batch records and item jobs, single sign jobs) with the same ids; ' +
      'items the transparency log already holds are answered from the log without a new signature. Idempotent: ' +
      'a second run adds nothing. Runs on one gateway at a time (409 RECONCILE_RUNNING otherwise).',
  })
  @ApiResponse({ status: 200, description: 'What the run found and did' })
  @ApiProblems({
    401: [ErrorCode.Unauthenticated],
    403: [ErrorCode.Forbidden],
    409: [ErrorCode.ReconcileRunning],
    503: [ErrorCode.ServiceUnavailable],
  })
  reconcile(): Promise<ReconcileReport> {
    return this.reconciler.run();
  }
}
