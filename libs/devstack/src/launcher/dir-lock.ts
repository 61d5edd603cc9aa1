import { readFile, rm, writeFile } from 'node:fs/promises';
import { DevStackError } from '../devstack-error';

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
 * Takes a data directory for this process (a lock file holding its pid): two demos or
 * two `fleetsign serve` in one directory would share a token, Redis and logs. A lock
 * left by a process that no longer runs is taken over. `holder` names the kind of
 * process in the refusal ('demo', 'fleetsign serve'). Returns the release function.
 */
export async function lockDataDir(lockFile: string, holder: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new DevStackError(`another ${holder} (pid ${pid}) is using ${lockFile}; wait for it or stop it`);
    }
    await rm(lockFile, { force: true });
  }
  throw new DevStackError(`cannot lock ${lockFile}`);
}
