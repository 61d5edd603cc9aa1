import type { Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { allocatedBuffer, asBuffer } from './byte-limits';
import { closeFd, fstatFd, fsyncFd, openFd, readFd, writevFd } from './fs-calls';
import type { BufferAllocator } from './object-store';

/** A temp file written in full and flushed to disk. */
export interface WrittenTempFile {
  /** Bytes written. */
  size: number;
  /** The file's stats after the last write (size and mtime stay the same after rename or link). */
  stats: Stats;
}

/** Stream chunks are gathered up to this many bytes and written with one writev. */
const WRITE_BATCH_BYTES = 1024 * 1024;

async function writeAll(fd: number, chunks: readonly Buffer[]): Promise<void> {
  let rest = chunks.filter((chunk) => chunk.length > 0);
  while (rest.length > 0) {
    let written = await writevFd(fd, rest);
    // A short write: drop what went out and write the rest.
    let done = 0;
    while (done < rest.length && written >= rest[done].length) written -= rest[done++].length;
    rest = rest.slice(done);
    if (written > 0) rest[0] = rest[0].subarray(written);
  }
}

/**
 * Creates `path` (it must not exist), writes `body` into it and flushes it to disk
 * (fsync) before returning, so the object is durable before it gets its key. More
 * than `maxBytes` fails with `tooLarge()` (the stream is destroyed). On any failure the
 * file is left for the caller to remove.
 */
export async function writeTempFile(
  path: string,
  body: Buffer | Readable,
  maxBytes: number,
  tooLarge: () => Error,
): Promise<WrittenTempFile> {
  const fd = await openFd(path, 'wx');
  try {
    let size = 0;
    if (Buffer.isBuffer(body)) {
      await writeAll(fd, [body]);
      size = body.length;
    } else {
      let batch: Buffer[] = [];
      let batched = 0;
      // Leaving the loop by throwing makes the iterator destroy the stream.
      for await (const raw of body) {
        const chunk = asBuffer(raw);
        size += chunk.length;
        if (size > maxBytes) throw tooLarge();
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= WRITE_BATCH_BYTES) {
          await writeAll(fd, batch);
          batch = [];
          batched = 0;
        }
      }
      await writeAll(fd, batch);
    }
    await fsyncFd(fd);
    return { size, stats: await fstatFd(fd) };
  } finally {
    await closeFd(fd);
  }
}

/** Reads exactly `size` bytes from the start of an open file into `allocate(size)`; undefined when it ends sooner. */
export async function readWhole(fd: number, size: number, allocate: BufferAllocator): Promise<Buffer | undefined> {
  const data = allocatedBuffer(allocate, size);
  for (let filled = 0; filled < size; ) {
    const bytesRead = await readFd(fd, data, filled, size - filled, filled);
    if (bytesRead === 0) return undefined;
    filled += bytesRead;
  }
  // No check for growth: objects are replaced by rename, never written in place, so an open file keeps its size.
  return data;
}
