import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { BufferAllocator } from './object-store';

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

/** The default BufferAllocator: a new, uninitialised buffer (every byte is written before it is read). */
export function allocateUnsafe(size: number): Buffer {
  return Buffer.allocUnsafe(size);
}

/** `allocate(size)`, checked to be exactly `size` bytes. */
export function allocatedBuffer(allocate: BufferAllocator, size: number): Buffer {
  const buffer = allocate(size);
  if (buffer.length !== size) throw new RangeError(`allocator gave ${buffer.length} bytes for ${size}`);
  return buffer;
}

/** A stream chunk as a Buffer (strings and typed arrays are converted). */
export function asBuffer(chunk: unknown): Buffer {
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

/**
 * Reads a stream whose length is announced (`expectedBytes`, at most `maxBytes`) into
 * one buffer from `allocate` (default: a new one), so the bytes are held once and never
 * concatenated. A stream longer than announced is still read, bounded by `maxBytes`.
 */
export async function readStreamIntoBuffer(
  stream: Readable,
  expectedBytes: number,
  maxBytes: number,
  tooLarge: () => Error,
  allocate: BufferAllocator = allocateUnsafe,
): Promise<Buffer> {
  if (expectedBytes > maxBytes) {
    stream.destroy();
    throw tooLarge();
  }
  const out = allocatedBuffer(allocate, expectedBytes);
  let filled = 0;
  let overflow: Buffer[] | undefined;
  // Leaving the loop by throwing makes the iterator destroy the stream.
  for await (const raw of stream) {
    const chunk = asBuffer(raw);
    if (!overflow && filled + chunk.length <= expectedBytes) {
      chunk.copy(out, filled);
      filled += chunk.length;
      continue;
    }
    // More than announced: keep reading, still bounded by maxBytes.
    overflow ??= [out.subarray(0, filled)];
    filled += chunk.length;
    if (filled > maxBytes) throw tooLarge();
    overflow.push(chunk);
  }
  if (overflow) return Buffer.concat(overflow, filled);
  return filled === expectedBytes ? out : out.subarray(0, filled);
}

/** The error for a body whose length is not the one announced (INVALID_ARGUMENT). */
export function contentLengthMismatch(key: string, size: number, contentLength: number): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, `body for "${key}" is ${size} bytes, ${contentLength} were announced`, {
    key,
    size,
    contentLength,
  });
}

/** Throws contentLengthMismatch unless `size` is the announced length (or none was announced). */
export function checkContentLength(key: string, size: number, contentLength: number | undefined): void {
  if (contentLength !== undefined && size !== contentLength) throw contentLengthMismatch(key, size, contentLength);
}

/** A pass-through that counts bytes and fails with `tooLarge()` past `maxBytes`. */
export class ByteCounter extends Transform {
  /** Bytes passed so far. */
  bytes = 0;
  /** True once the limit was crossed. */
  exceeded = false;

  /** `tooShort`, when given, fails the stream at its end unless exactly `maxBytes` passed. */
  constructor(
    private readonly maxBytes: number,
    private readonly tooLarge: () => Error,
    private readonly tooShort?: () => Error,
  ) {
    super();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.tooShort && this.bytes < this.maxBytes ? this.tooShort() : null);
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
