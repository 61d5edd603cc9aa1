import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { validate } from '../http/zod-validation';
import { type SignatureStatus, signatureStatusQuerySchema, signatureStatusSchema } from '@fleetsign/api';
import { SignatureStatusService } from './signature-status.service';

/** `GET /v1/signatures/status`: may this signed file still be published? */
@ApiTags('signatures')
@ApiBearerAuth()
@Controller('v1/signatures')
export class SignaturesController {
  constructor(private readonly signatures: SignatureStatusService) {}

  @Get('status')
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Revocation status of a signed file or image',
    description:
      'Which signings produced the file or image with this SHA-256 (from the transparency log), with which profile and keys, and whether the profile or a key is revoked now (with the time). Ask before publishing an OTA update. Needs `read` or `audit` (own tenant) or `operator` (every tenant).',
  })
  @ApiQuery({ name: 'sha256', description: 'hex SHA-256 of the signed file or of the signed image', schema: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' } })
  @ApiJsonResponse(200, signatureStatusSchema, 'The signings and their revocation status')
  @ApiProblems({ 400: [ErrorCode.ValidationFailed], 401: [ErrorCode.Unauthenticated], 403: [ErrorCode.Forbidden] })
  status(@CurrentPrincipal() principal: Principal, @Query() query: unknown): Promise<SignatureStatus> {
    const { sha256 } = validate(signatureStatusQuerySchema, query, 'query');
    return this.signatures.status(principal, sha256);
  }
}
