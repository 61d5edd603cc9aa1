import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/**
 * Passes bytes through while hashing them and, when an expected SHA-256 is given, fails
 * at the end of the stream if the bytes have another one. Piped into a store's `put`, the
 * failure arrives before the object is committed, so a mismatching upload stores nothing.
 */
export class Sha256CheckStream extends Transform {
  private readonly hash = createHash('sha256');
  private digest?: string;

  /** `expected`: hex SHA-256 the bytes must have (any case); undefined only hashes. */
  constructor(
    private readonly expected?: string,
    private readonly key?: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    const expected = this.expected?.toLowerCase();
    if (expected === undefined || expected === this.digest) return callback();
    callback(
      new FleetSignError(ErrorCode.UploadChecksumMismatch, `the uploaded bytes have SHA-256 ${this.digest}, this upload URL requires ${expected}; nothing was stored`, {
        ...(this.key !== undefined ? { key: this.key } : {}),
        sha256: this.digest,
        expectedSha256: expected,
      }),
    );
  }

  /** Hex digest of the bytes; set once the stream has ended. */
  hex(): string {
    if (this.digest === undefined) throw new Error('the stream has not ended');
    return this.digest;
  }
}
