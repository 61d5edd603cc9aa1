import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable, pipeline } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  ByteCounter,
  DEFAULT_GET_BUFFER_MAX_BYTES,
  bodyTooLarge,
  checkContentLength,
  contentLengthMismatch,
  objectTooLarge,
  readStreamIntoBuffer,
  readStreamToBuffer,
} from './byte-limits';
import { validateExpiresSec, validateKeyPrefix, validateMaxBytes, validateObjectKey } from './object-key';
import type {
  BufferAllocator,
  ListOptions,
  ObjectHead,
  ObjectStore,
  PresignPutOptions,
  PresignedPut,
  PutOptions,
  PutResult,
} from './object-store';
import { isS3NotFound, isS3PreconditionFailed, s3StorageError } from './s3-errors';

/** The header a presigned PUT carries its SHA-256 in (base64, as S3 expects). */
const CHECKSUM_HEADER = 'x-amz-checksum-sha256';

function sha256Base64(hex: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new FleetSignError(ErrorCode.InvalidArgument, 'sha256 must be 64 hex digits');
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Multipart part size for streamed uploads (S3 minimum is 5 MiB). */
export const S3_UPLOAD_PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts uploaded in parallel per streamed upload (memory: part size x this). */
export const S3_UPLOAD_QUEUE_SIZE = 2;
/** Largest page S3 returns from ListObjectsV2. */
export const S3_MAX_LIST_PAGE_SIZE = 1000;

/** Options of the S3 driver (AWS S3, MinIO and other S3-compatible stores). */
export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** Custom endpoint (MinIO, s3rver...); AWS when absent. */
  endpoint?: string;
  /** Endpoint clients reach for presigned URLs, when it differs from `endpoint` (e.g. inside vs outside a cluster). */
  publicEndpoint?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Static credentials; both or neither. Without them the SDK's default provider chain applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Clock used as the presign signing time (defaults to the system clock). */
  now?: () => Date;
}

/** The S3 driver: `@aws-sdk/client-s3`, multipart uploads for streams, SigV4 presigned URLs. */
export class S3ObjectStore implements ObjectStore {
  /** The SDK client (exposed for middleware such as metrics or request logging). */
  readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly bucket: string;
  private readonly now: () => Date;

  constructor(options: S3ObjectStoreOptions) {
    if (!options.bucket || !options.region) {
      throw new FleetSignError(ErrorCode.InvalidConfig, 'S3 storage needs a bucket and a region');
    }
    if (Boolean(options.accessKeyId) !== Boolean(options.secretAccessKey)) {
      throw new FleetSignError(
        ErrorCode.InvalidConfig,
        'S3 storage needs both accessKeyId and secretAccessKey, or neither',
      );
    }
    const base: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      // The SDK default adds CRC32 checksums that many S3-compatible servers reject,
      // and that would pin presigned PUT URLs to an empty body.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    };
    this.client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    this.presignClient = options.publicEndpoint
      ? new S3Client({ ...base, endpoint: options.publicEndpoint })
      : this.client;
    this.bucket = options.bucket;
    this.now = options.now ?? (() => new Date());
  }

  async get(key: string): Promise<Readable> {
    return (await this.open(key)).body;
  }

  async getBuffer(key: string, maxBytes = DEFAULT_GET_BUFFER_MAX_BYTES, allocate?: BufferAllocator): Promise<Buffer> {
    validateMaxBytes(maxBytes);
    const { body, size } = await this.open(key);
    if (size !== undefined && size > maxBytes) {
      body.destroy();
      throw objectTooLarge(key, maxBytes);
    }
    const tooLarge = () => objectTooLarge(key, maxBytes);
    return size === undefined ? readStreamToBuffer(body, maxBytes, tooLarge) : readStreamIntoBuffer(body, size, maxBytes, tooLarge, allocate);
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<PutResult> {
    validateObjectKey(key);
    if (opts.maxBytes !== undefined) validateMaxBytes(opts.maxBytes);
    const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    const params = {
      Bucket: this.bucket,
      Key: key,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      ...(opts.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
    };
    if (Buffer.isBuffer(body)) {
      if (body.length > maxBytes) throw bodyTooLarge(key, maxBytes);
      checkContentLength(key, body.length, opts.contentLength);
      try {
        const out = await this.client.send(
          new PutObjectCommand({ ...params, Body: body, ContentLength: body.length }),
        );
        return { etag: out.ETag, size: body.length };
      } catch (err) {
        throw this.putError(key, err);
      }
    }
    if (opts.contentLength !== undefined) return this.putStreamOfLength(key, body, opts.contentLength, maxBytes, params);
    const counter = new ByteCounter(maxBytes, () => bodyTooLarge(key, maxBytes));
    // pipeline forwards a source error into the counter, which the upload reads.
    pipeline(body, counter, () => undefined);
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: counter },
      partSize: S3_UPLOAD_PART_SIZE_BYTES,
      queueSize: S3_UPLOAD_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    try {
      const out = await upload.done();
      return { etag: out.ETag, size: counter.bytes };
    } catch (err) {
      // Stop reading the caller's stream; pipeline passes the destroy on to it.
      counter.destroy();
      if (counter.exceeded) throw bodyTooLarge(key, maxBytes);
      throw this.putError(key, err);
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    validateObjectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag, lastModified: out.LastModified };
    } catch (err) {
      if (isS3NotFound(err)) return undefined;
      throw s3StorageError('head', key, err);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    validateObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isS3NotFound(err)) return;
      throw s3StorageError('delete', key, err);
    }
  }

  async *list(prefix: string, opts: ListOptions = {}): AsyncIterable<string> {
    validateKeyPrefix(prefix);
    const pageSize = Math.min(
      Math.max(1, Math.floor(opts.pageSize ?? S3_MAX_LIST_PAGE_SIZE)),
      S3_MAX_LIST_PAGE_SIZE,
    );
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize },
      { Bucket: this.bucket, Prefix: prefix },
    );
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) yield object.Key;
        }
      }
    } catch (err) {
      throw s3StorageError('list', prefix, err);
    }
  }

  async presignGet(key: string, expiresSec: number): Promise<string> {
    validateObjectKey(key);
    validateExpiresSec(expiresSec);
    return getSignedUrl(this.presignClient, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresSec,
      signingDate: this.now(),
    });
  }

  async presignPut(key: string, expiresSec: number, opts: PresignPutOptions = {}): Promise<PresignedPut> {
    validateObjectKey(key);
    validateExpiresSec(expiresSec);
    if (opts.maxBytes !== undefined) validateMaxBytes(opts.maxBytes);
    const checksum = opts.sha256 !== undefined ? sha256Base64(opts.sha256) : undefined;
    const signingDate = this.now();
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      ...(checksum ? { ChecksumSHA256: checksum } : {}),
    });
    // Signed headers, not query parameters: the upload must send them, S3 checks the
    // Content-Type against the signature and the body against x-amz-checksum-sha256.
    const bound = new Set([...(opts.contentType ? ['content-type'] : []), ...(checksum ? [CHECKSUM_HEADER] : [])]);
    const url = await getSignedUrl(this.presignClient, command, {
      expiresIn: expiresSec,
      signingDate,
      ...(bound.size > 0 ? { signableHeaders: bound, unhoistableHeaders: bound } : {}),
    });
    return {
      url,
      method: 'PUT',
      headers: {
        ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
        ...(checksum ? { [CHECKSUM_HEADER]: checksum } : {}),
      },
      expiresAt: new Date(signingDate.getTime() + expiresSec * 1000),
      maxBytesEnforced: false,
    };
  }


  async close(): Promise<void> {
    this.client.destroy();
    if (this.presignClient !== this.client) this.presignClient.destroy();
  }

  private async open(key: string): Promise<{ body: Readable; size?: number }> {
    validateObjectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(out.Body instanceof Readable)) throw new Error('GetObject returned no stream body');
      return { body: out.Body, size: out.ContentLength };
    } catch (err) {
      if (isS3NotFound(err))
        throw new FleetSignError(ErrorCode.SourceNotFound, `object "${key}" not found`, { key });
      throw s3StorageError('get', key, err);
    }
  }

  /** One PutObject streaming a body of known length: nothing is buffered, whatever the size. */
  private async putStreamOfLength(
    key: string,
    body: Readable,
    contentLength: number,
    maxBytes: number,
    params: { Bucket: string; Key: string; ContentType?: string; IfNoneMatch?: string },
  ): Promise<PutResult> {
    if (contentLength > maxBytes) {
      body.destroy();
      throw bodyTooLarge(key, maxBytes);
    }
    // Fails the stream (and so the request) when it runs past the announced length or ends short of it.
    const mismatch = (): Error => contentLengthMismatch(key, counter.bytes, contentLength);
    const counter: ByteCounter = new ByteCounter(contentLength, mismatch, mismatch);
    pipeline(body, counter, () => undefined);
    // The HTTP request does not notice a failing body by itself: abort it then.
    const abort = new AbortController();
    counter.once('error', () => abort.abort());
    try {
      const command = new PutObjectCommand({ ...params, Body: counter, ContentLength: contentLength });
      const out = await this.client.send(command, { abortSignal: abort.signal });
      checkContentLength(key, counter.bytes, contentLength);
      return { etag: out.ETag, size: counter.bytes };
    } catch (err) {
      counter.destroy();
      if (err instanceof FleetSignError) throw err;
      if (counter.exceeded || counter.bytes !== contentLength) throw contentLengthMismatch(key, counter.bytes, contentLength);
      throw this.putError(key, err);
    }
  }

  private putError(key: string, err: unknown): FleetSignError {
    if (isS3PreconditionFailed(err))
      return new FleetSignError(ErrorCode.FileExists, `object "${key}" already exists`, { key });
    return s3StorageError('put', key, err);
  }
}
