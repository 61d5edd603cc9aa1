import { ErrorCode, FleetSignError } from '@fleetsign/errors';

// Words for the errno codes a user can act on; anything else keeps Node's code.
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EEXIST: 'File exists',
  EMFILE: 'Too many open files',
};

/** Turns a Node file-system error into a one-line FleetSignError(IoError) naming the file. */
export function toIoError(err: unknown, action: string, path: string): FleetSignError {
  if (err instanceof FleetSignError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && ERRNO_TEXT[code]) ?? code ?? (err instanceof Error ? err.message : String(err));
  return new FleetSignError(
    ErrorCode.IoError,
    `Cannot ${action} "${path}": ${reason}`,
    { path, errno: code },
    { cause: err },
  );
}
