import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  DEFAULT_GET_BUFFER_MAX_BYTES,
  allocateUnsafe,
  checkContentLength,
  bodyTooLarge,
  objectTooLarge,
  readStreamToBuffer,
} from './byte-limits';
import { assertFsSigningSecret, signFsObjectUrl } from './fs-presign';
import { closeFd, fstatFd, linkPath, openFd, renamePath, statPath, unlinkPath } from './fs-calls';
import { FS_TEMP_PREFIX, FsFolders, prefixConflict } from './fs-folders';
import { MISSING, errnoOf, etagOf, storageError } from './fs-errors';
import { readWhole, type WrittenTempFile, writeTempFile } from './fs-file-io';
import { validateExpiresSec, validateKeyPrefix, validateMaxBytes, validateObjectKey } from './object-key';
import type {
  BufferAllocator,
  ListOptions,
  ObjectHead,
  ObjectStore,
  PresignPutOptions,
  PresignedPut,
  PutOptions,
  PutResult,
} from './object-store';

/** Options of the filesystem driver. */
export interface FsObjectStoreOptions {
  /**
   * Directory holding the objects, created (with its parents) when the store is made.
   * Later the store never makes it again: a missing root is an outage (STORAGE_ERROR,
   * retried), never "no such object" and never a fresh empty store.
   */
  root: string;
  /** Base URL of the gateway that serves `/v1/objects/<key>` for presigned URLs. */
  publicBaseUrl: string;
  /** HMAC secret for presigned URLs (at least 32 characters). */
  signingSecret: string;
  /** Clock for presign expiry (defaults to the system clock). */
  now?: () => Date;
}

export { FS_TEMP_PREFIX } from './fs-folders';

function notFound(key: string): FleetSignError {
  return new FleetSignError(ErrorCode.SourceNotFound, `object "${key}" not found`, { key });
}

/**
 * Objects as files under one root directory: the embedded single-machine driver.
 * Writes go to a temp file in the target directory, are flushed (fsync), then renamed
 * (or hard-linked for `ifNoneMatch`), so readers never see half an object.
 */
export class FsObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly now: () => Date;
  private readonly folders: FsFolders;

  constructor(private readonly options: FsObjectStoreOptions) {
    assertFsSigningSecret(options.signingSecret);
    if (!/^https?:\/\//.test(options.publicBaseUrl)) {
      throw new FleetSignError(ErrorCode.InvalidConfig, 'fs storage publicBaseUrl must be an http(s) URL');
    }
    this.root = resolve(options.root);
    this.now = options.now ?? (() => new Date());
    this.folders = new FsFolders(this.root);
    try {
      mkdirSync(this.root, { recursive: true });
    } catch {
      // Unwritable or not a folder: every operation reports it as STORAGE_ERROR.
    }
  }

  /** Absolute path of a key's file, after validating the key. */
  pathOf(key: string): string {
    validateObjectKey(key);
    const segments = key.split('/');
    if (segments.some((segment) => segment.startsWith(FS_TEMP_PREFIX))) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `object key segments may not start with "${FS_TEMP_PREFIX}"`,
        { key },
      );
    }
    const path = join(this.root, ...segments);
    // Defence in depth: validation already excludes every way out of the root.
    if (!path.startsWith(this.root + sep))
      throw new FleetSignError(ErrorCode.InvalidArgument, 'object key escapes the store', { key });
    return path;
  }

  async get(key: string): Promise<Readable> {
    const { handle } = await this.openObject(key);
    return handle.createReadStream();
  }

  async getBuffer(key: string, maxBytes = DEFAULT_GET_BUFFER_MAX_BYTES, allocate: BufferAllocator = allocateUnsafe): Promise<Buffer> {
    validateMaxBytes(maxBytes);
    const path = this.pathOf(key);
    let fd: number;
    try {
      fd = await openFd(path, 'r');
    } catch (err) {
      throw await this.openError(key, err);
    }
    let data: Buffer | undefined;
    try {
      const stats = await fstatFd(fd);
      if (!stats.isFile()) throw await this.missing('get', key);
      if (stats.size > maxBytes) throw objectTooLarge(key, maxBytes);
      data = await readWhole(fd, stats.size, allocate);
    } catch (err) {
      await closeFd(fd).catch(() => undefined);
      if (err instanceof FleetSignError) throw err;
      throw storageError('get', key, err);
    }
    if (data) {
      await closeFd(fd);
      return data;
    }
    // Shorter than fstat said (changed in place by someone else): read what is there, still bounded.
    return readStreamToBuffer(createReadStream(path, { fd, start: 0 }), maxBytes, () => objectTooLarge(key, maxBytes));
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<PutResult> {
    const path = this.pathOf(key);
    if (opts.maxBytes !== undefined) validateMaxBytes(opts.maxBytes);
    const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    if (Buffer.isBuffer(body)) {
      if (body.length > maxBytes) throw bodyTooLarge(key, maxBytes);
      checkContentLength(key, body.length, opts.contentLength);
    }
    const dir = dirname(path);
    const temp = join(dir, `${FS_TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
    let exceeded = false;
    const tooLarge = () => {
      exceeded = true;
      return bodyTooLarge(key, maxBytes);
    };
    let written: WrittenTempFile;
    try {
      written = await this.writeTemp(key, dir, temp, body, maxBytes, tooLarge);
      checkContentLength(key, written.size, opts.contentLength);
      if (opts.ifNoneMatch) {
        // link() fails if the target exists: an atomic create-only.
        await linkPath(temp, path).catch((err: unknown) => {
          if (errnoOf(err) === 'EEXIST')
            throw new FleetSignError(ErrorCode.FileExists, `object "${key}" already exists`, { key });
          throw err;
        });
      } else {
        await renamePath(temp, path);
      }
    } catch (err) {
      await unlinkPath(temp).catch(() => undefined);
      if (exceeded) throw bodyTooLarge(key, maxBytes);
      if (err instanceof FleetSignError) throw err;
      if (errnoOf(err) === 'EISDIR') throw prefixConflict(key);
      throw storageError('put', key, err);
    }
    if (opts.ifNoneMatch) await unlinkPath(temp).catch(() => undefined);
    return { etag: etagOf(written.stats), size: written.size };
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const path = this.pathOf(key);
    try {
      const stats = await statPath(path);
      if (stats.isFile()) return { size: stats.size, etag: etagOf(stats), lastModified: stats.mtime };
    } catch (err) {
      if (!MISSING.has(errnoOf(err) ?? '')) throw storageError('head', key, err);
    }
    await this.folders.assertRootPresent('head', key);
    return undefined;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      // A missing key, or a "directory" that is only a prefix, holds no object.
      if (MISSING.has(errnoOf(err) ?? '') || errnoOf(err) === 'EPERM') return;
      throw storageError('delete', key, err);
    }
  }

  async *list(prefix: string, _opts: ListOptions = {}): AsyncIterable<string> {
    validateKeyPrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const base = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    yield* this.folders.walk(base, namePrefix);
  }

  async presignGet(key: string, expiresSec: number): Promise<string> {
    validateExpiresSec(expiresSec);
    return signFsObjectUrl(this.options.publicBaseUrl, this.options.signingSecret, {
      method: 'GET',
      key,
      expires: this.expiryFor(expiresSec),
    });
  }

  async presignPut(key: string, expiresSec: number, opts: PresignPutOptions = {}): Promise<PresignedPut> {
    validateExpiresSec(expiresSec);
    if (opts.maxBytes !== undefined) validateMaxBytes(opts.maxBytes);
    const expires = this.expiryFor(expiresSec);
    const url = signFsObjectUrl(this.options.publicBaseUrl, this.options.signingSecret, {
      method: 'PUT',
      key,
      expires,
      maxBytes: opts.maxBytes,
      contentType: opts.contentType,
      sha256: opts.sha256?.toLowerCase(),
    });
    const headers: Record<string, string> = opts.contentType ? { 'content-type': opts.contentType } : {};
    return {
      url,
      method: 'PUT',
      headers,
      expiresAt: new Date(expires * 1000),
      maxBytesEnforced: opts.maxBytes !== undefined,
    };
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  private expiryFor(expiresSec: number): number {
    return Math.floor(this.now().getTime() / 1000) + expiresSec;
  }

  /** Writes the temp file, creating its directory first unless it is known to exist. */
  private async writeTemp(
    key: string,
    dir: string,
    temp: string,
    body: Buffer | Readable,
    maxBytes: number,
    tooLarge: () => Error,
  ): Promise<WrittenTempFile> {
    if (!this.folders.isKnown(dir)) await this.folders.makeDir(key, dir);
    try {
      return await writeTempFile(temp, body, maxBytes, tooLarge);
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'ENOTDIR') throw err;
    }
    // The directory went away since it was made (removed outside the store): make it again.
    this.folders.forget(dir);
    await this.folders.makeDir(key, dir);
    return writeTempFile(temp, body, maxBytes, tooLarge);
  }

  private async openObject(key: string): Promise<{ handle: FileHandle; size: number }> {
    const path = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw await this.openError(key, err);
    }
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw await this.missing('get', key);
    }
    return { handle, size: stats.size };
  }

  private async openError(key: string, err: unknown): Promise<FleetSignError> {
    return MISSING.has(errnoOf(err) ?? '') ? this.missing('get', key) : storageError('get', key, err);
  }

  /** SOURCE_NOT_FOUND for a key with no object, unless the whole root is away (an outage). */
  private async missing(operation: string, key: string): Promise<FleetSignError> {
    await this.folders.assertRootPresent(operation, key);
    return notFound(key);
  }
}
