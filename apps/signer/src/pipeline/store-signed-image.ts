import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';

/** The signed file now at the job's key. */
export interface StoredSignedImage {
  image: Buffer;
  /** True when the file was stored by an earlier (or concurrent) attempt of the same job and kept. */
  reused: boolean;
}

/** Whether a file found at the job's key is a valid signing of this job's image. */
export type SignedImageCheck = (file: Buffer) => boolean;

/**
 * The signed file an earlier attempt of this job stored (the process may have died
 * before recording it), when it is a valid signing of this image; else undefined.
 */
export async function findEarlierSignedImage(
  store: ObjectStore,
  key: string,
  maxBytes: number,
  isValid: SignedImageCheck,
): Promise<Buffer | undefined> {
  const head = await store.head(key);
  if (!head || head.size > maxBytes) return undefined;
  try {
    const file = await store.getBuffer(key, maxBytes);
    return isValid(file) ? file : undefined;
  } catch (err) {
    if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
    throw err;
  }
}

/**
 * Stores the signed file at the job's deterministic key. Unless `overwrite`, the put
 * is create-only: when another attempt of the job got there first with a valid file,
 * that file is kept and returned, so the job has one output whatever the timing.
 */
export async function storeSignedImage(
  store: ObjectStore,
  key: string,
  image: Buffer,
  options: { overwrite: boolean; isValid: SignedImageCheck },
): Promise<StoredSignedImage> {
  const contentType = 'application/octet-stream';
  try {
    await store.put(key, image, { contentType, ifNoneMatch: !options.overwrite });
    return { image, reused: false };
  } catch (err) {
    if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
  }
  const existing = await findEarlierSignedImage(store, key, image.length, options.isValid);
  if (existing) return { image: existing, reused: true };
  await store.put(key, image, { contentType });
  return { image, reused: false };
}
