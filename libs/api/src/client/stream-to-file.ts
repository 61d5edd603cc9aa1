import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { toIoError } from '@fleetsign/errors';

/** The bytes written did not have the SHA-256 the service promised. */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntegrityError';
  }
}

/**
 * Streams `source` into `target` without ever leaving a partial file there: the bytes
 * go to a temp file in the same folder, which is fsynced, checked against
 * `expectedSha256` and only then renamed over the target. The temp file is removed
 * on any failure (including an abort of the source).
 */
export async function writeStreamAtomic(
  target: string,
  source: Readable | AsyncIterable<Uint8Array>,
  expectedSha256: string,
): Promise<{ size: number }> {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const hash = createHash('sha256');
  let size = 0;
  let created = false;
  try {
    const handle = await open(temp, 'wx', 0o666).catch((err: unknown) => {
      throw toIoError(err, 'write', target);
    });
    created = true;
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const actual = hash.digest('hex');
    if (actual !== expectedSha256.toLowerCase()) {
      throw new IntegrityError(`"${target}": downloaded bytes have SHA-256 ${actual}, the service promised ${expectedSha256}`);
    }
    await rename(temp, target).catch((err: unknown) => {
      throw toIoError(err, 'write', target);
    });
    created = false;
    return { size };
  } finally {
    if (created) await rm(temp, { force: true });
  }
}
