import { pollUntil } from '@fleetsign/devstack';
import { loadPublicKeyPem } from '@fleetsign/keys';
import { verifyV2 } from '@fleetsign/secure-boot';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Redis } from 'ioredis';
import { requireTestEnv } from '../../support/test-env';

// Runs the built demo as `npm run demo` does (after the build), in a private data
// directory: once as a new user would (local redis-server, new token), once more in
// the same directory against a shared Redis (REDIS_URL), which must reuse the token.

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..', '..');
const ENTRIES = ['demo', 'gateway', 'signer', 'notifier'].map((name) =>
  join(ROOT, 'dist', 'apps', name, 'apps', name, 'src', 'main.js'),
);
/** The demo bounds its own waits; this only stops a run that hangs anyway. */
const RUN_LIMIT_MS = 200_000;

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(dataDir: string, redisUrl: string | undefined): Promise<DemoRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, FLEETSIGN_DEMO_DIR: dataDir };
  delete env.REDIS_URL;
  delete env.SOFTHSM2_CONF; // the test token of the global setup is not the demo's
  if (redisUrl) env.REDIS_URL = redisUrl;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENTRIES[0]],
      { env, cwd: ROOT, timeout: RUN_LIMIT_MS, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function lastLine(stdout: string): string {
  return stdout.trimEnd().split('\n').at(-1) ?? '';
}

/** True when something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every file below `dir`, except the binary images. */
function textFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && !/[/](objects|out|softhsm)[/]/.test(path));
}

function expectVerifiedResult(run: DemoRun, dataDir: string): { jobId: string; pem: string } {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const result = JSON.parse(lastLine(run.stdout)) as Record<string, string>;
  expect(Object.keys(result).sort()).toEqual(['jobId', 'publicKey', 'scheme', 'signed']);
  expect(result.jobId).toMatch(/^job_[0-9a-f]{32}$/);
  expect(result.scheme).toBe('sbv2-rsa3072');
  expect(result.signed).toBe(join(dataDir, 'out', `${result.jobId}.signed.bin`));
  expect(result.publicKey).toBe(join(dataDir, 'out', 'demo-rsa3072.pub.pem'));
  expect(isAbsolute(result.signed)).toBe(true);

  const pem = readFileSync(result.publicKey, 'utf8');
  const report = verifyV2(readFileSync(result.signed), {
    publicKeys: [loadPublicKeyPem(pem)],
    imageLayout: 'require',
  });
  expect(report.problems).toEqual([]);
  expect(report).toMatchObject({ valid: true, validBlocks: [0], layout: { espImage: true, ok: true } });

  expect(run.stdout).toContain('signature verified (standardwebhooks), gateway reports delivered');
  expect(run.stdout).toContain('node:crypto RSA-PSS on block 0: valid');
  return { jobId: result.jobId, pem };
}

describe('npm run demo', () => {
  let dataDir: string;

  beforeAll(() => {
    const missing = ENTRIES.filter((entry) => !existsSync(entry));
    if (missing.length)
      throw new Error(`${missing.join(', ')} missing: run npm run build before the integration tests`);
    dataDir = mkdtempSync(join(tmpdir(), 'fleetsign-demo-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  let first: { jobId: string; pem: string };

  it('signs, delivers and verifies an image on a fresh machine, then stops every service', async () => {
    const run = await runDemo(dataDir, undefined);
    first = expectVerifiedResult(run, dataDir);
    expect(run.stdout).toContain(
      "SoftHSM2 token 'fleetsign-demo' created (generated fw-rsa-3072, fw-ec-p256, fleetsign-log-p256)",
    );
    expect(run.stdout).toMatch(/redis: local redis-server on 127\.0\.0\.1:\d+/);

    // Shut down: neither the gateway nor the local Redis listens any more.
    const gatewayPort = Number(/gateway http:\/\/127\.0\.0\.1:(\d+)/.exec(run.stdout)?.[1]);
    const redisPort = Number(/local redis-server on 127\.0\.0\.1:(\d+)/.exec(run.stdout)?.[1]);
    expect(await listening(gatewayPort)).toBe(false);
    expect(await listening(redisPort)).toBe(false);

    // Secrets are private files; the API token of the run is written nowhere (config, logs).
    for (const secret of ['hsm-user-pin', 'webhook-secret', 'fs-signing-secret']) {
      expect(statSync(join(dataDir, 'secrets', secret)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dataDir, 'secrets', 'webhook-secret'), 'utf8')).toMatch(
      /^whsec_[A-Za-z0-9+/]+={0,2}\n$/,
    );
    expect(readFileSync(join(dataDir, 'fleetsign.yaml'), 'utf8')).toMatch(/token_sha256: [0-9a-f]{64}/);
    for (const file of textFiles(dataDir))
      expect({ file, hasToken: readFileSync(file, 'latin1').includes('fsk_') }).toEqual({
        file,
        hasToken: false,
      });
  });

  it('runs again in the same directory on a shared Redis, reusing the token and leaving no keys behind', async () => {
    const redisUrl = requireTestEnv('redisUrl');
    const run = await runDemo(dataDir, redisUrl);
    const second = expectVerifiedResult(run, dataDir);
    expect(run.stdout).toContain("SoftHSM2 token 'fleetsign-demo' reused (keys reused)");
    expect(second.pem).toBe(first.pem);
    expect(second.jobId).not.toBe(first.jobId);
    expect(existsSync(join(dataDir, 'out', `${first.jobId}.signed.bin`))).toBe(true);

    const prefix = /\(prefix (\{fleetsign-demo-[0-9a-f]+\})\)/.exec(run.stdout)?.[1];
    expect(prefix).toBeDefined();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 100_000);
      expect(keys).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses to start while another demo holds the directory', async () => {
    const holder = execFile(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await pollUntil(async () => holder.pid, { timeoutMs: 10_000, description: 'the holder process' });
      writeFileSync(join(dataDir, 'demo.lock'), `${holder.pid}\n`);
      const run = await runDemo(dataDir, undefined);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `fleetsign demo: FAILED: another demo (pid ${holder.pid}) is using ${join(dataDir, 'demo.lock')}; wait for it or stop it\n`,
      );
    } finally {
      holder.kill('SIGKILL');
      rmSync(join(dataDir, 'demo.lock'), { force: true });
    }
  });
});
