import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLogTail } from '../child-process';
import { DevStackError } from '../devstack-error';
import { findFreePort } from '../free-port';
import { pollUntil } from '../poll';
import { ServiceProcess, type ServiceSpec } from './service-process';

// Real node processes standing in for a service entry: one that dies at once, one that
// runs until SIGTERM.

describe('ServiceProcess', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-service-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function spec(script: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, script);
    return { role: 'signer', name: 'signer', entry, env: process.env, logPath: join(dir, 'signer.log'), cwd: dir, ...extra };
  }

  const DIES = 'console.log("started " + process.pid); process.exit(3);';

  it('reports a death, naming the log, when it is not supervised', async () => {
    const service = await ServiceProcess.start(spec(DIES));
    await expect(service.failure).rejects.toThrow(new DevStackError('the signer exited unexpectedly (exit code 3)'));
    await expect(service.failure).rejects.toMatchObject({ logPath: join(dir, 'signer.log') });
  });

  it('restarts a service that keeps dying, with a new pid each time, until stopped', async () => {
    const restarted: number[] = [];
    const service = await ServiceProcess.start(spec(DIES), {
      restart: { initialDelayMs: 10, maxDelayMs: 40, stableAfterMs: 60_000 },
      onRestart: (current) => restarted.push(current.pid),
    });
    const firstPid = service.pid;
    await pollUntil(async () => (service.restarts >= 3 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 20,
      description: 'three restarts',
    });
    await service.stop(5_000);
    const restarts = service.restarts;
    expect(new Set([firstPid, ...restarted]).size).toBe(restarted.length + 1);
    // Nothing restarts after stop(): the count stays where it was.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(service.restarts).toBe(restarts);
  });

  it('waits until the process answers its readiness URL, then stops it on SIGTERM', async () => {
    const port = await findFreePort();
    const serves =
      'process.on("SIGTERM", () => { console.log("stopping"); process.exit(0); });' +
      `require("node:http").createServer((q, r) => r.end("ok")).listen(${port}, "127.0.0.1", () => console.log("up"));`;
    const service = await ServiceProcess.start(spec(serves, { readyUrl: `http://127.0.0.1:${port}/healthz`, port }));
    await service.waitReady(10_000);
    expect(await readLogTail(join(dir, 'signer.log'))).toBe('up');
    expect(await service.stop(10_000)).toBe(true);
    expect(await readLogTail(join(dir, 'signer.log'))).toBe('up\nstopping');
  });

  it('fails the readiness wait at once when the process exits first', async () => {
    const service = await ServiceProcess.start(spec(DIES, { readyUrl: 'http://127.0.0.1:1/healthz' }));
    await expect(service.waitReady(30_000)).rejects.toThrow('the signer exited before it was ready');
  });

  it('refuses an entry that is not built', async () => {
    await expect(ServiceProcess.start({ ...spec(DIES), entry: join(dir, 'missing.js') })).rejects.toThrow('missing.js is missing: run npm run build');
  });
});
