import type { Stats } from 'node:fs';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

// Errors and ETags of the fs driver.

type FsError = NodeJS.ErrnoException;

/** The errno code of a failed fs call (ENOENT, EEXIST...). */
export function errnoOf(err: unknown): string | undefined {
  return (err as FsError | undefined)?.code;
}

/** Codes meaning "no object at that key". */
export const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** A StorageError for a failed fs operation on `key`, naming only the errno. */
export function storageError(operation: string, key: string, err: unknown): FleetSignError {
  return new FleetSignError(
    ErrorCode.StorageError,
    `fs storage ${operation} failed for "${key}": ${errnoOf(err) ?? 'error'}`,
    {
      operation,
      key,
      errno: errnoOf(err),
    },
    { cause: err },
  );
}

/** The ETag the fs driver reports: size and mtime in hex. */
export function etagOf(stats: Stats): string {
  return `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}
