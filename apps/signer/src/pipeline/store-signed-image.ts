import { Readable } from 'node:stream';
import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import { type SignedOutput, signedOutputOf } from './log-entry';

/** Whether a file found at the job's key is a valid signing of this job's image. */
export type SignedImageCheck = (file: Buffer) => boolean;

/** A signed file ready to store: its parts in write order, its length and hex SHA-256. */
export interface SignedFile {
  parts: readonly Buffer[];
  size: number;
  sha256: string;
}

/** The signed file now at the job's key. */
export interface StoredSignedImage {
  signed: SignedOutput;
  /** True when the file was stored by an earlier (or concurrent) attempt of the same job and kept. */
  reused: boolean;
}

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
 * Stores the signed file at the job's deterministic key, streaming its parts (the image
 * is not copied into one buffer). Unless `overwrite`, the put is create-only: when
 * another attempt of the job got there first with a valid file, that file is kept and
 * returned, so the job has one output whatever the timing.
 */
export async function storeSignedImage(
  store: ObjectStore,
  key: string,
  file: SignedFile,
  options: { overwrite: boolean; isValid: SignedImageCheck },
): Promise<StoredSignedImage> {
  const put = (ifNoneMatch: boolean) =>
    store.put(key, Readable.from(file.parts), { contentType: 'application/octet-stream', ifNoneMatch, contentLength: file.size });
  const ours = { signed: { key, sha256: file.sha256, size: file.size }, reused: false };
  try {
    await put(!options.overwrite);
    return ours;
  } catch (err) {
    if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
  }
  const existing = await findEarlierSignedImage(store, key, file.size, options.isValid);
  if (existing) return { signed: signedOutputOf(key, existing), reused: true };
  await put(false);
  return ours;
}
