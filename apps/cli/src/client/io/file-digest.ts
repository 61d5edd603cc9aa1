import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { toIoError } from '@fleetsign/errors';

/** SHA-256 (hex) and size of a file, read as a stream. */
export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(path, { signal }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (err) {
    if (signal?.aborted) throw err;
    throw toIoError(err, 'read', path);
  }
  return { sha256: hash.digest('hex'), size };
}

/** SHA-256 (hex) of a file, or undefined when it does not exist. */
export async function sha256IfExists(path: string): Promise<string | undefined> {
  try {
    return (await sha256OfFile(path)).sha256;
  } catch (err) {
    if ((err as { details?: { errno?: string } }).details?.errno === 'ENOENT') return undefined;
    throw err;
  }
}
