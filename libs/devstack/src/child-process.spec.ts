import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, hasExited, readLogTail, spawnLogged, stopChildProcess } from './child-process';
import { DevStackError } from './devstack-error';
import { pollUntil } from './poll';

describe('child processes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-child-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('logs stdout and stderr to the file and reports the exit code', async () => {
    const logPath = join(dir, 'child.log');
    const child = await spawnLogged(
      process.execPath,
      ['-e', 'console.log("one"); console.error("two"); process.exit(3)'],
      { logPath },
    );
    await expect(exitOf(child)).resolves.toEqual({ code: 3, signal: null });
    expect(await readLogTail(logPath)).toBe('one\ntwo');
  });

  it('stops a child on SIGTERM', async () => {
    const logPath = join(dir, 'child.log');
    const script =
      'process.on("SIGTERM", () => { console.log("bye"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);';
    const child = await spawnLogged(process.execPath, ['-e', script], { logPath });
    await pollUntil(async () => ((await readLogTail(logPath)) === 'up' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
      description: 'the child',
    });
    await expect(stopChildProcess(child)).resolves.toBe(true);
    expect(hasExited(child)).toBe(true);
    expect(await readLogTail(logPath)).toBe('up\nbye');
  });

  it('kills a child that ignores SIGTERM once the timeout passes', async () => {
    const logPath = join(dir, 'child.log');
    const script = 'process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000);';
    const child = await spawnLogged(process.execPath, ['-e', script], { logPath });
    await pollUntil(async () => ((await readLogTail(logPath)) === 'up' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
      description: 'the child',
    });
    await expect(stopChildProcess(child, { timeoutMs: 200 })).resolves.toBe(false);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('rejects with DevStackError when the command cannot be run', async () => {
    await expect(
      spawnLogged(join(dir, 'no-such-program'), [], { logPath: join(dir, 'x.log'), killWithParent: false }),
    ).rejects.toThrow(DevStackError);
  });

  it('returns the last lines of a log, or nothing for a missing file', async () => {
    const logPath = join(dir, 'many.log');
    const child = await spawnLogged(
      process.execPath,
      ['-e', 'for (let i = 1; i <= 50; i++) console.log("line " + i)'],
      { logPath },
    );
    await exitOf(child);
    expect(await readLogTail(logPath, 3)).toBe('line 48\nline 49\nline 50');
    expect(await readLogTail(join(dir, 'missing.log'))).toBe('');
  });
});
