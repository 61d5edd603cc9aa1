import type { Readable } from 'node:stream';

/** Gives the buffer an object of `size` bytes is read into: exactly `size` bytes long. */
export type BufferAllocator = (size: number) => Buffer;

/** Options of `ObjectStore.put`. */
export interface PutOptions {
  contentType?: string;
  /** Only create: fail with FILE_EXISTS when the key already holds an object. */
  ifNoneMatch?: boolean;
  /** Refuse bodies larger than this (PAYLOAD_TOO_LARGE); nothing is stored then. */
  maxBytes?: number;
  /**
   * The body's exact length, when known. The S3 driver then streams a Readable body in
   * one request instead of a multipart upload (no part buffers). A body of another
   * length fails the put (INVALID_ARGUMENT) and nothing is stored.
   */
  contentLength?: number;
}

/** What `put` stored. */
export interface PutResult {
  etag?: string;
  /** Bytes stored. */
  size: number;
}

/** Metadata of a stored object. */
export interface ObjectHead {
  size: number;
  etag?: string;
  lastModified?: Date;
}

/** Options of `ObjectStore.list`. */
export interface ListOptions {
  /** Keys fetched per request (S3 `MaxKeys`, at most 1000). */
  pageSize?: number;
}

/** Options of `ObjectStore.presignPut`. */
export interface PresignPutOptions {
  /** The upload must be sent with exactly this Content-Type. */
  contentType?: string;
  /** Largest accepted upload, where the driver can enforce it (see `PresignedPut.maxBytesEnforced`). */
  maxBytes?: number;
  /**
   * Hex SHA-256 the uploaded bytes must have. S3 signs it into the URL as
   * `x-amz-checksum-sha256` (the upload must send that header, and S3 refuses other
   * bytes); the fs route hashes the body and refuses a mismatch, storing nothing.
   */
  sha256?: string;
}

/** A presigned upload: send `method` to `url` with `headers` before `expiresAt`. */
export interface PresignedPut {
  url: string;
  method: 'PUT';
  /** Headers the upload must carry for the signature to match. */
  headers: Record<string, string>;
  expiresAt: Date;
  /**
   * True when the receiving side refuses bodies over `maxBytes`. A presigned S3 PUT
   * cannot cap the size; the signer's size limit then applies when it reads the object.
   */
  maxBytesEnforced: boolean;
}

/**
 * Where FleetSign keeps unsigned uploads, signed images, audit records and manifests.
 * Keys are validated the same way by every driver (see `validateObjectKey`).
 */
export interface ObjectStore {
  /** Streams an object; SOURCE_NOT_FOUND when the key holds none. */
  get(key: string): Promise<Readable>;
  /**
   * Reads a whole object, refusing (IMAGE_TOO_LARGE) past `maxBytes` without buffering
   * more than that. When the size is known before reading, the object is read into one
   * buffer from `allocate(size)` (default: a new one), e.g. a buffer the caller reuses.
   */
  getBuffer(key: string, maxBytes?: number, allocate?: BufferAllocator): Promise<Buffer>;
  /** Stores an object atomically: readers see the old object or the whole new one. */
  put(key: string, body: Buffer | Readable, opts?: PutOptions): Promise<PutResult>;
  /** Size and version of an object, or undefined when the key holds none. */
  head(key: string): Promise<ObjectHead | undefined>;
  /** True when the key holds an object. */
  exists(key: string): Promise<boolean>;
  /** Removes an object; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, in byte order, fetched page by page. */
  list(prefix: string, opts?: ListOptions): AsyncIterable<string>;
  /** A URL that downloads the object for `expiresSec` seconds (1 s to 7 days). */
  presignGet(key: string, expiresSec: number): Promise<string>;
  /** A request that uploads the object within `expiresSec` seconds (1 s to 7 days). */
  presignPut(key: string, expiresSec: number, opts?: PresignPutOptions): Promise<PresignedPut>;
  /** Releases sockets and other resources. */
  close(): Promise<void>;
}
