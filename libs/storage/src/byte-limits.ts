import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

/** `getBuffer` limit when the caller gives none: far above any ESP flash image, well below memory trouble. */
export const DEFAULT_GET_BUFFER_MAX_BYTES = 64 * 1024 * 1024;

/** The error for an object too large to read into memory. */
export function objectTooLarge(key: string, maxBytes: number): FleetSignError {
  return new FleetSignError(ErrorCode.ImageTooLarge, `object "${key}" is larger than ${maxBytes} bytes`, {
    key,
    maxBytes,
  });
}

/** The error for an upload body over its limit. */
export function bodyTooLarge(key: string, maxBytes: number): FleetSignError {
  return new FleetSignError(ErrorCode.PayloadTooLarge, `body for "${key}" is larger than ${maxBytes} bytes`, {
    key,
    maxBytes,
  });
}

function asBuffer(chunk: unknown): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
}

/**
 * Reads a stream into one Buffer, failing with `tooLarge()` as soon as more than
 * `maxBytes` arrive: the stream is destroyed then and at most `maxBytes` are kept.
 */
export async function readStreamToBuffer(
  stream: Readable,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // Leaving the loop by throwing makes the iterator destroy the stream.
  for await (const raw of stream) {
    const chunk = asBuffer(raw);
    total += chunk.length;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** A pass-through that counts bytes and fails with `tooLarge()` past `maxBytes`. */
export class ByteCounter extends Transform {
  /** Bytes passed so far. */
  bytes = 0;
  /** True once the limit was crossed. */
  exceeded = false;

  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
  ) {
    super();
  }

  override _transform(raw: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    const chunk = asBuffer(raw);
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(this.tooLarge());
      return;
    }
    callback(null, chunk);
  }
}
