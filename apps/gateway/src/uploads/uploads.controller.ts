import { Body, Controller, HttpCode, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '@fleetsign/errors';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, type Principal, RequireScope } from '../auth/principal';
import { ApiJsonBody, ApiJsonResponse, ApiProblems } from '../docs/openapi-schema';
import { StreamBody, declaredLength, requestStream } from '../http/stream-body';
import { validate } from '../http/zod-validation';
import {
  createUploadRequestSchema,
  directUploadResponseSchema,
  presignedUploadResponseSchema,
  type DirectUploadResponse,
  type PresignedUploadResponse,
} from '@fleetsign/api';
import { UploadsService } from './uploads.service';

/** `POST /v1/uploads` (presigned PUT) and `PUT /v1/uploads/direct` (bytes through the gateway). */
@ApiTags('uploads')
@ApiBearerAuth()
@Controller('v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post()
  @RequireScope('sign')
  @ApiOperation({
    summary: 'Get a presigned upload URL',
    description:
      'Returns a new key under incoming/<tenant>/ and a URL to PUT the image to directly into the object store. ' +
      'A declared sha256 is carried into the job, so the signer refuses other bytes.',
  })
  @ApiJsonBody(createUploadRequestSchema)
  @ApiJsonResponse(201, presignedUploadResponseSchema, 'Presigned upload')
  @ApiProblems({
    400: [ErrorCode.MalformedRequest, ErrorCode.ValidationFailed],
    401: [ErrorCode.Unauthenticated],
    403: [ErrorCode.Forbidden],
    413: [ErrorCode.PayloadTooLarge],
  })
  presign(@CurrentPrincipal() principal: Principal, @Body() body: unknown): Promise<PresignedUploadResponse> {
    // A POST without a body asks for a URL with nothing declared.
    return this.uploads.presign(principal, validate(createUploadRequestSchema, body ?? {}));
  }

  @Put('direct')
  @HttpCode(201)
  @StreamBody()
  @RequireScope('sign')
  @ApiOperation({
    summary: 'Upload an image through the gateway',
    description:
      'Streams the request body (application/octet-stream) into a new key under incoming/<tenant>/. ' +
      'Bodies over the image size limit are refused with 413 and nothing is stored.',
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiJsonResponse(201, directUploadResponseSchema, 'Stored')
  @ApiProblems({
    401: [ErrorCode.Unauthenticated],
    403: [ErrorCode.Forbidden],
    413: [ErrorCode.PayloadTooLarge],
    415: [ErrorCode.MalformedRequest],
  })
  direct(@CurrentPrincipal() principal: Principal, @Req() request: FastifyRequest): Promise<DirectUploadResponse> {
    return this.uploads.direct(principal, requestStream(request), declaredLength(request));
  }
}
