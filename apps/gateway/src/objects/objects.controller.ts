import { Controller, Get, HttpCode, Inject, Put, Req, Res, applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type FsPresignedGrant, type ObjectStore, verifyFsPresignedUrl } from '@fleetsign/storage';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PublicRoute } from '../auth/principal';
import { GatewaySettings } from '../core/gateway-settings';
import { OBJECT_STORE } from '../core/gateway.tokens';
import { ApiProblems } from '../docs/openapi-schema';
import { StreamBody, declaredLength, requestStream } from '../http/stream-body';
import { UploadsService } from '../uploads/uploads.service';

/** The parts of a presigned object URL. */
const ApiSignedUrl = () =>
  applyDecorators(
    // Nest publishes the `*` route segment as `{path}`: the object key, slashes included.
    ApiParam({ name: 'path', description: 'Object key (may contain "/")' }),
    ApiQuery({ name: 'expires', description: 'Expiry, unix seconds' }),
    ApiQuery({ name: 'sig', description: 'URL signature (base64url HMAC)' }),
    ApiQuery({ name: 'max', required: false, description: 'Upload size limit, bytes' }),
    ApiQuery({ name: 'ct', required: false, description: 'Required Content-Type of the upload' }),
    ApiQuery({ name: 'sha256', required: false, description: 'Required SHA-256 (hex) of the upload body' }),
  );

/**
 * Presigned URLs of the filesystem store point here. The URL signature is the only
 * authorisation: the gateway issues it for one key, one method, until it expires.
 */
@ApiTags('objects')
@PublicRoute()
@Controller('v1/objects')
export class ObjectsController {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly settings: GatewaySettings,
    private readonly uploads: UploadsService,
  ) {}

  private grant(request: FastifyRequest): FsPresignedGrant {
    const secret = this.settings.fsSigningSecret;
    if (!secret) throw new FleetSignError(ErrorCode.NotFound, 'This gateway does not serve objects (S3 storage)');
    return verifyFsPresignedUrl(request.url, { method: request.method, secret });
  }

  @Get('*')
  @ApiSignedUrl()
  @ApiOperation({ summary: 'Download an object through a presigned URL (filesystem store only)' })
  @ApiResponse({
    status: 200,
    description: 'The object bytes',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiProblems({ 403: [ErrorCode.Forbidden], 404: [ErrorCode.NotFound] })
  async download(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { key } = this.grant(request);
    const head = await this.store.head(key);
    if (!head) throw new FleetSignError(ErrorCode.NotFound, 'Object not found');
    const body = await this.store.get(key);
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(head.size))
      .send(body);
  }

  @Put('*')
  @HttpCode(201)
  @StreamBody()
  @ApiSignedUrl()
  @ApiOperation({ summary: 'Upload an object through a presigned URL (filesystem store only)' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ required: true, schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 201, description: 'Stored: {key, size}' })
  @ApiProblems({
    400: [ErrorCode.UploadChecksumMismatch],
    403: [ErrorCode.Forbidden],
    404: [ErrorCode.NotFound],
    413: [ErrorCode.PayloadTooLarge],
  })
  async upload(@Req() request: FastifyRequest): Promise<{ key: string; size: number }> {
    const grant = this.grant(request);
    if (grant.contentType !== undefined && request.headers['content-type'] !== grant.contentType) {
      throw new FleetSignError(ErrorCode.Forbidden, `This URL requires Content-Type ${grant.contentType}`);
    }
    const limit = Math.min(grant.maxBytes ?? this.settings.maxImageBytes, this.settings.maxImageBytes);
    const length = declaredLength(request);
    if (length !== undefined && length > limit) {
      throw new FleetSignError(ErrorCode.PayloadTooLarge, `Body of ${length} bytes exceeds the limit of ${limit} bytes`);
    }
    const size = await this.uploads.putPresigned(grant.key, requestStream(request), limit, grant.contentType, grant.sha256);
    return { key: grant.key, size };
  }
}
