import { createHash } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SignJobSource } from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';

/** The unsigned image as read from the object store. */
export interface SourceImage {
  key: string;
  data: Buffer;
  /** Hex SHA-256 of the object as stored. */
  sha256: string;
}

/**
 * Reads the unsigned image, refusing more than `maxBytes` (ImageTooLarge) and a
 * missing object (SourceNotFound), then checks the size and SHA-256 the client
 * stated, if any (ValidationFailed): the signer signs exactly what was asked for.
 */
export async function fetchSource(store: ObjectStore, source: SignJobSource, maxBytes: number): Promise<SourceImage> {
  const data = await store.getBuffer(source.key, maxBytes);
  const sha256 = createHash('sha256').update(data).digest('hex');
  if (source.size !== undefined && source.size !== data.length) {
    throw new FleetSignError(
      ErrorCode.ValidationFailed,
      `source "${source.key}" is ${data.length} bytes, the request stated ${source.size}`,
      { key: source.key, size: data.length, expectedSize: source.size },
    );
  }
  if (source.sha256 !== undefined && source.sha256.toLowerCase() !== sha256) {
    throw new FleetSignError(
      ErrorCode.ValidationFailed,
      `source "${source.key}" has SHA-256 ${sha256}, the request stated ${source.sha256.toLowerCase()}`,
      { key: source.key, sha256, expectedSha256: source.sha256.toLowerCase() },
    );
  }
  return { key: source.key, data, sha256 };
}
