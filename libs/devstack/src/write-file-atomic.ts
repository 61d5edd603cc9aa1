import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DevStackError } from './devstack-error';

/**
 * Writes `data` to `path` so readers see the old file or the whole new one: a temp
 * file in the same folder, fsynced, renamed over the target. `mode` sets the exact
 * permission bits (e.g. 0o600 for secrets) before the file gets its name.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  options: { mode?: number } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? 0o644;
  let pending = true;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data);
      // open's mode is reduced by the umask; chmod sets it exactly.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    pending = false;
  } finally {
    if (pending) await rm(temp, { force: true });
  }
}

/**
 * The secret stored in `path` (trailing new lines removed), or, when the file does not
 * exist yet, a new one from `generate` written there with mode 0600. A file that
 * exists but is empty is an error rather than silently replaced.
 */
export async function readOrCreateSecretFile(
  path: string,
  generate: () => string,
): Promise<{ value: string; created: boolean }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const value = text.replace(/[\r\n]+$/, '');
    if (!value)
      throw new DevStackError(`secret file ${path} is empty; remove it to have a new secret generated`);
    return { value, created: false };
  }
  const value = generate();
  await writeFileAtomic(path, `${value}\n`, { mode: 0o600 });
  return { value, created: true };
}
