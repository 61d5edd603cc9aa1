import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { type ObjectStore, Sha256CheckStream } from '@fleetsign/storage';
import { randomUUID } from 'node:crypto';
import { type Readable, pipeline } from 'node:stream';
import type { Principal } from '../auth/principal';
import { GatewaySettings, UPLOAD_URL_TTL_SEC } from '../core/gateway-settings';
import { OBJECT_STORE } from '../core/gateway.tokens';
import { GatewayMetrics } from '../metrics/gateway-metrics';
import { ImageHeaderPeek } from './image-header-peek';
import { UploadIntents } from './upload-intents';
import type { CreateUploadRequest, DirectUploadResponse, PresignedUploadResponse } from '@fleetsign/api';

/** The content type every presigned image upload is bound to. */
export const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

/** Where a tenant's uploads live: the only prefix its jobs may name as a source. */
export function incomingPrefix(tenant: string): string {
  return `incoming/${tenant}/`;
}

/** A fresh, unguessable upload key under the tenant's incoming prefix. */
export function newUploadKey(tenant: string): string {
  return `${incomingPrefix(tenant)}${randomUUID()}.bin`;
}

function tooLarge(size: number | string, max: number): FleetSignError {
  return new FleetSignError(ErrorCode.PayloadTooLarge, `Image of ${size} bytes exceeds the limit of ${max} bytes`, {
    maxBytes: max,
  });
}

/** Presigned and direct uploads of unsigned images into the tenant's incoming prefix. */
@Injectable()
export class UploadsService {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly settings: GatewaySettings,
    private readonly intents: UploadIntents,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** A presigned PUT for a new key; the declared size and digest travel with the key to the job. */
  async presign(principal: Principal, request: CreateUploadRequest): Promise<PresignedUploadResponse> {
    const max = this.settings.maxImageBytes;
    if (request.contentLength !== undefined && request.contentLength > max) throw tooLarge(request.contentLength, max);
    const key = newUploadKey(principal.tenant);
    // Bound to the one content type images are uploaded as and, when declared, to the SHA-256:
    // S3 signs both into the URL (x-amz-checksum-sha256), the fs route checks both.
    const presigned = await this.store.presignPut(key, UPLOAD_URL_TTL_SEC, {
      maxBytes: request.contentLength ?? max,
      contentType: UPLOAD_CONTENT_TYPE,
      ...(request.sha256 !== undefined ? { sha256: request.sha256.toLowerCase() } : {}),
    });
    await this.intents.remember(key, { sha256: request.sha256, size: request.contentLength });
    return {
      key,
      uploadUrl: presigned.url,
      method: 'PUT',
      headers: presigned.headers,
      expiresAt: presigned.expiresAt.toISOString(),
      maxBytes: request.contentLength ?? max,
    };
  }

  /**
   * Streams a request body into a new key, hashing on the way. Over the limit it is
   * 413 and nothing is stored: the store writes atomically and refuses past maxBytes.
   */
  async direct(principal: Principal, body: Readable, declaredLength: number | undefined): Promise<DirectUploadResponse> {
    const max = this.settings.maxImageBytes;
    if (declaredLength !== undefined && declaredLength > max) throw tooLarge(declaredLength, max);
    const key = newUploadKey(principal.tenant);
    const peek = new ImageHeaderPeek();
    const hasher = new Sha256CheckStream();
    // pipeline carries a client abort into the store, which then discards the partial object.
    pipeline(body, peek, hasher, () => undefined);
    const stored = await this.store.put(key, hasher, { maxBytes: max, contentType: 'application/octet-stream' });
    const sha256 = hasher.hex();
    const chipId = peek.chipId();
    await this.intents.remember(key, { sha256, size: stored.size, ...(chipId !== undefined ? { chipId } : {}) });
    this.metrics.uploadedBytes.inc(stored.size);
    return { key, size: stored.size, sha256 };
  }

  /**
   * Streams a body into `key` for a presigned fs URL; same size rule as direct uploads.
   * With `sha256` (signed into the URL) other bytes fail UPLOAD_CHECKSUM_MISMATCH at the
   * end of the body, before the store commits, so nothing is stored.
   */
  async putPresigned(key: string, body: Readable, maxBytes: number | undefined, contentType?: string, sha256?: string): Promise<number> {
    const limit = Math.min(maxBytes ?? this.settings.maxImageBytes, this.settings.maxImageBytes);
    const peek = new ImageHeaderPeek();
    const checked = new Sha256CheckStream(sha256, key);
    pipeline(body, peek, checked, () => undefined);
    const stored = await this.store.put(key, checked, { maxBytes: limit, ...(contentType ? { contentType } : {}) });
    await this.intents.rememberChip(key, peek.chipId());
    this.metrics.uploadedBytes.inc(stored.size);
    return stored.size;
  }
}
