import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChildProcess } from '../../support/redis-server';
import { requireTestEnv } from '../../support/test-env';
import { REPO_ROOT, compileGatewayTree } from './compiled-tree';
import { PROFILES, gatewayTestEnv, uniqueSuffix, writeHarnessConfig } from './gateway-harness';

// The gateway must never load a PKCS#11 module, pkcs11js or @fleetsign/keys. A Jest
// worker may already hold them from other spec files, so the gateway runs in a fresh
// `node` process; after it has served requests, the process reports its module cache
// and the shared objects mapped into it. A control run that loads SoftHSM2 on purpose
// shows the probe would see it.

/** Runs in the child: starts the gateway, reports its URL, then answers 'report' and 'close'. */
const RUNNER = `
const { readFileSync } = require('node:fs');
const { createGateway } = require('./apps/gateway/src/index.js');
async function main() {
  if (process.env.CONTROL_LOAD_PKCS11) {
    const { PKCS11 } = require('pkcs11js');
    // Kept referenced: when the garbage collector frees a PKCS11 object it unloads the library.
    globalThis.controlPkcs11 = new PKCS11();
    globalThis.controlPkcs11.load(process.env.CONTROL_LOAD_PKCS11);
  }
  const gateway = await createGateway({ logLevel: 'silent' });
  process.on('message', async (message) => {
    if (message === 'report') {
      const mapped = readFileSync('/proc/self/maps', 'utf8').split('\\n').map((line) => line.trim().split(/\\s+/)[5]).filter(Boolean);
      process.send({ modules: Object.keys(require.cache), mapped: [...new Set(mapped)] });
    } else if (message === 'close') {
      await gateway.close();
      process.disconnect();
    }
  });
  process.send({ url: gateway.url });
}
main().catch((err) => { console.error(err); process.exit(1); });
`;

interface Report {
  modules: string[];
  mapped: string[];
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`gateway process exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message as T);
    });
  });
}

const isKeyModule = (path: string) => /pkcs11js|[\\/]libs[\\/]keys[\\/]/.test(path);
const isPkcs11Library = (path: string) => /softhsm|pkcs11/i.test(path);

jest.setTimeout(30_000);

describe('gateway process isolation from keys', () => {
  let workDir: string;
  let config: ReturnType<typeof writeHarnessConfig>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    workDir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'gateway-proof-'));
    await compileGatewayTree(workDir);
    writeFileSync(join(workDir, 'runner.js'), RUNNER);
    config = writeHarnessConfig();
  });
  afterAll(async () => {
    await Promise.all(children.map((child) => stopChildProcess(child, 'SIGKILL')));
    rmSync(workDir, { recursive: true, force: true });
    rmSync(config.dir, { recursive: true, force: true });
  });

  async function runGateway(extraEnv: Record<string, string>, exercise: (url: string) => Promise<void>): Promise<Report> {
    const env = {
      ...process.env,
      ...gatewayTestEnv(config.configPath, `{fst-proof-${uniqueSuffix()}}`),
      NODE_PATH: join(REPO_ROOT, 'node_modules'),
      ...extraEnv,
    };
    const child = fork(join(workDir, 'runner.js'), [], { cwd: workDir, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const { url } = await nextMessage<{ url: string }>(child);
    await exercise(url);
    child.send('report');
    const report = await nextMessage<Report>(child);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('close');
    await exited;
    return report;
  }

  it('serves uploads, jobs and profiles without loading pkcs11js, @fleetsign/keys or a PKCS#11 library', async () => {
    const report = await runGateway({}, async (url) => {
      const auth = { authorization: `Bearer ${config.ids.tokenA}` };
      const statuses: number[] = [];
      const call = async (path: string, init: RequestInit = {}) => {
        const res = await fetch(`${url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
        statuses.push(res.status);
        return res;
      };
      await call('/healthz');
      await call('/readyz');
      await call('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const upload = await call('/v1/uploads/direct', {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(4096, 0xe9),
      });
      const { key } = (await upload.json()) as { key: string };
      const job = await call('/v1/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ profile: PROFILES.rsa, source: { key } }),
      });
      const { id } = (await job.json()) as { id: string };
      await call(`/v1/jobs/${id}`);
      await call('/v1/profiles');
      await call(`/v1/profiles/${PROFILES.p256}/public-keys`);
      await call('/docs');
      await call('/metrics');
      expect(statuses).toEqual([200, 200, 201, 201, 202, 200, 200, 503, 200, 200]);
    });

    expect(report.modules.some((path) => path.includes(`${join('apps', 'gateway', 'src')}`))).toBe(true);
    expect(report.modules.filter(isKeyModule)).toEqual([]);
    expect(report.mapped.filter(isPkcs11Library)).toEqual([]);
  });

  it('control: the same probe sees pkcs11js and SoftHSM2 when a process does load them', async () => {
    const report = await runGateway({ CONTROL_LOAD_PKCS11: requireTestEnv('pkcs11Module') }, async (url) => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });
    expect(report.modules.filter(isKeyModule).length).toBeGreaterThan(0);
    expect(report.mapped.filter(isPkcs11Library)).toEqual(expect.arrayContaining([expect.stringContaining('libsofthsm2')]));
  });
});
