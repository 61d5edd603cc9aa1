import { randomBytes } from 'node:crypto';
import { link, open, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { toIoError } from '@fleetsign/errors';

/** How writeFileAtomic treats the target. */
export interface AtomicWriteOptions {
  /** Exact permission bits of the written file. Default: an existing target's mode, else 0o666 minus umask. */
  mode?: number;
  /** Refuse (FleetSignError FileExists) instead of replacing an existing file. */
  exclusive?: boolean;
}

// Errors from link(2) meaning "this file system has no hard links", not "target exists".
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Writes `data` to `path` so that readers see either the old file or the complete new
 * one: write a temp file in the same folder, fsync it, then rename it over the target
 * (or hard-link it when `exclusive`, which fails atomically if the target exists).
 * The temp file is removed on any failure.
 */
export async function writeFileAtomic(
  path: string,
  data: Buffer | string,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const target = await resolveTarget(path);
  const existingMode = await modeOf(target);
  if (options.exclusive && existingMode !== undefined) throw fileExists(path);

  const temp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  const mode = options.mode ?? existingMode;
  let created = false;
  try {
    const handle = await open(temp, 'wx', mode ?? 0o666);
    created = true;
    try {
      await handle.writeFile(data);
      // chmod sets the bits exactly (open's mode is reduced by the umask).
      if (mode !== undefined) await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) await linkExclusive(temp, target, path);
    else await rename(temp, target);
    created = false;
  } catch (err) {
    throw err instanceof FleetSignError ? err : toIoError(err, 'write', path);
  } finally {
    if (created) await rm(temp, { force: true });
  }
  await syncDirectory(dirname(target));
}

/** Follows a symlinked target so the file it points to is replaced, not the link. */
async function resolveTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

async function modeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toIoError(err, 'write', path);
  }
}

async function linkExclusive(temp: string, target: string, shownPath: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw fileExists(shownPath);
    if (!NO_HARD_LINKS.has(code)) throw err;
    // No hard links here: fall back to check-then-rename (a narrow race, never a partial file).
    if ((await modeOf(target)) !== undefined) throw fileExists(shownPath);
    await rename(temp, target);
    return;
  }
  await unlink(temp);
}

/** Makes the rename itself durable; some platforms cannot open a folder, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is best effort.
  }
}

function fileExists(path: string): FleetSignError {
  return new FleetSignError(ErrorCode.FileExists, `File "${path}" already exists; refusing to overwrite it`, {
    path,
  });
}
