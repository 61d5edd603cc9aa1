import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './dir-lock';

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'demo-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a directory another live process holds', async () => {
    const lockFile = join(dir, 'demo.lock');
    writeFileSync(lockFile, `${process.ppid}\n`);
    await expect(lockDataDir(lockFile, 'demo')).rejects.toThrow(`another demo (pid ${process.ppid})`);
  });

  it('takes over a lock whose process has exited, and releases it', async () => {
    const lockFile = join(dir, 'demo.lock');
    const gone = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(lockFile, `${gone}\n`);
    const release = await lockDataDir(lockFile, 'demo');
    expect(readFileSync(lockFile, 'utf8')).toBe(`${process.pid}\n`);
    await release();
    expect(existsSync(lockFile)).toBe(false);
  });
});
