import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SignJobSource } from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import { ImageHashes } from './digest-image';
import type { ImageBufferPool } from './image-buffer-pool';

/** The unsigned image as read from the object store. */
export interface SourceImage {
  key: string;
  data: Buffer;
  /** Hex SHA-256 of the object as stored. */
  sha256: string;
  /** The image's running SHA-256, for the digests of the files that start with it. */
  hashes: ImageHashes;
}

/**
 * Reads the unsigned image (held once: the stores read an object of known size into one
 * buffer, taken from `buffers` when given), refusing more than `maxBytes` (ImageTooLarge)
 * and a missing object (SourceNotFound), then checks the size and SHA-256 the client
 * stated, if any (ValidationFailed): the signer signs exactly what was asked for.
 */
export async function fetchSource(
  store: ObjectStore,
  source: SignJobSource,
  maxBytes: number,
  buffers?: Pick<ImageBufferPool, 'acquire' | 'release'>,
): Promise<SourceImage> {
  const data = await store.getBuffer(source.key, maxBytes, buffers && ((size) => buffers.acquire(size)));
  try {
    return checkedSource(source, data);
  } catch (err) {
    buffers?.release(data);
    throw err;
  }
}

function checkedSource(source: SignJobSource, data: Buffer): SourceImage {
  if (source.size !== undefined && source.size !== data.length) {
    throw new FleetSignError(
      ErrorCode.ValidationFailed,
      `source "${source.key}" is ${data.length} bytes, the request stated ${source.size}`,
      { key: source.key, size: data.length, expectedSize: source.size },
    );
  }
  const hashes = new ImageHashes(data);
  const sha256 = hashes.sha256();
  if (source.sha256 !== undefined && source.sha256.toLowerCase() !== sha256) {
    throw new FleetSignError(
      ErrorCode.ValidationFailed,
      `source "${source.key}" has SHA-256 ${sha256}, the request stated ${source.sha256.toLowerCase()}`,
      { key: source.key, sha256, expectedSha256: source.sha256.toLowerCase() },
    );
  }
  return { key: source.key, data, sha256, hashes };
}
