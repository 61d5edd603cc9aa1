import { readFile, rm, writeFile } from 'node:fs/promises';
import { DemoError } from './demo-error';

/** True when a process with this pid exists (signal 0 only checks). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the demo's data directory for this process: two demos in one directory would
 * share a token, secrets and logs. A lock left by a process that no longer runs is
 * taken over. Returns the release function.
 */
export async function lockDemoDir(lockFile: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && processAlive(holder)) {
      throw new DemoError(`another demo (pid ${holder}) is using ${lockFile}; wait for it or stop it`);
    }
    await rm(lockFile, { force: true });
  }
  throw new DemoError(`cannot lock ${lockFile}`);
}
