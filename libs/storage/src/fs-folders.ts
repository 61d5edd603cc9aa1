import { mkdir, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { statPath } from './fs-calls';
import { MISSING, errnoOf, storageError } from './fs-errors';

// The folder side of the fs driver: the root that must stay present, the folders a put
// makes below it, and the walk that lists keys. Objects themselves are in fs-object-store.

/** Temp files of unfinished puts start with this; keys may not use it. */
export const FS_TEMP_PREFIX = '.fleetsign-tmp-';

/** Directories remembered as existing, at most (one per tenant and kind, typically). */
const MAX_KNOWN_DIRS = 10_000;

/** The store's root folder is missing or unusable: STORAGE_ERROR (retried), whatever the key. */
function rootUnavailable(operation: string, key: string, err: unknown): FleetSignError {
  const error = storageError(operation, key, err);
  return new FleetSignError(ErrorCode.StorageError, `fs storage is unavailable: its root folder is missing or unusable (${errnoOf(err) ?? 'error'})`, error.details, { cause: err });
}

/** A key whose prefix is an object, or an object where a prefix is used. */
export function prefixConflict(key: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, `object key "${key}" collides with an existing key prefix in the fs store`, { key });
}

/** Orders directory entries so a depth-first walk yields full keys in byte order. */
function byKeyOrder(a: { sortName: Buffer }, b: { sortName: Buffer }): number {
  return Buffer.compare(a.sortName, b.sortName);
}

/** The folders of one fs store root. */
export class FsFolders {
  /** Directories this store made or found, so most puts skip mkdir. */
  private readonly knownDirs = new Set<string>();

  constructor(readonly root: string) {}

  /** True when `dir` is known to exist (made or found earlier). */
  isKnown(dir: string): boolean {
    return this.knownDirs.has(dir);
  }

  /** Forgets `dir` (it was removed outside the store). */
  forget(dir: string): void {
    this.knownDirs.delete(dir);
  }

  /** Makes `dir` below the root one level at a time, so a missing root fails (ENOENT) instead of being made again. */
  async makeDir(key: string, dir: string): Promise<void> {
    let path = this.root;
    for (const segment of relative(this.root, dir).split(sep).filter(Boolean)) {
      path = join(path, segment);
      try {
        await mkdir(path);
      } catch (err) {
        const errno = errnoOf(err);
        // A file where a directory must go: the key's prefix is itself an object.
        if (errno === 'EEXIST' && !(await statPath(path)).isDirectory()) throw prefixConflict(key);
        if (errno === 'EEXIST') continue;
        if (errno === 'ENOTDIR') throw prefixConflict(key);
        if (errno === 'ENOENT') await this.assertRootPresent('put', key);
        throw storageError('put', key, err);
      }
    }
    if (this.knownDirs.size >= MAX_KNOWN_DIRS) this.knownDirs.clear();
    this.knownDirs.add(dir);
  }

  /** Throws STORAGE_ERROR when the root folder is missing or not a folder: the store is away, not the object. */
  async assertRootPresent(operation: string, key: string): Promise<void> {
    let err: unknown;
    try {
      if ((await statPath(this.root)).isDirectory()) return;
      err = Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (statErr) {
      err = statErr;
    }
    throw rootUnavailable(operation, key, err);
  }

  /** Depth-first walk from `base` (a '' or '/'-terminated key prefix) over entries whose name starts with `namePrefix`. */
  async *walk(base: string, namePrefix: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(base === '' ? this.root : join(this.root, ...base.slice(0, -1).split('/')), {
        withFileTypes: true,
      });
    } catch (err) {
      if (!MISSING.has(errnoOf(err) ?? '')) throw storageError('list', base, err);
      await this.assertRootPresent('list', base);
      return;
    }
    const visible = entries
      .filter((entry) => entry.name.startsWith(namePrefix) && !entry.name.startsWith(FS_TEMP_PREFIX))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({ entry, sortName: Buffer.from(entry.isDirectory() ? `${entry.name}/` : entry.name) }))
      .sort(byKeyOrder);
    for (const { entry } of visible) {
      if (entry.isDirectory()) yield* this.walk(`${base}${entry.name}/`, '');
      else yield `${base}${entry.name}`;
    }
  }
}
