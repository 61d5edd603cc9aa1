import { findFreePort, pollUntil } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { fleetsign } from '../cli/cli-test-kit';
import { requireTestEnv } from '../../support/test-env';
import { alive, runBin, ServeProcess, userEnv } from './serve-test-kit';

// A new user's path: `fleetsign init`, `fleetsign serve`, `fleetsign submit --env-file`,
// with real processes (the built CLI, redis-server, gateway, signer, notifier) on a
// fresh SoftHSM2 token. Then a killed service comes back, a SIGTERM stops everything
// and a second `serve` finds the job where it was.

jest.setTimeout(300_000);

const ESP32_S3 = 9;
const ESP32_C6 = 13;

const work = mkdtempSync(join(requireTestEnv('tmpRoot'), 'serve-'));
const dir = join(work, 'install');
const clientEnv = join(dir, 'client.env');
let port: number;
let serve: ServeProcess | undefined;
let jobId: string;

const mode = (path: string) => statSync(path).mode & 0o777;

/** `fleetsign submit` through the installation's client.env; returns the job id. */
async function submit(image: Buffer, profile: string, name: string): Promise<{ id: string; signed: string }> {
  const input = join(work, `${name}.bin`);
  const signed = join(work, `${name}.signed.bin`);
  writeFileSync(input, image);
  const run = await fleetsign(['submit', input, '--profile', profile, '--wait', '--out', signed, '--env-file', clientEnv]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const id = /Job (job_[0-9a-f]{32}): succeeded/.exec(run.stdout)?.[1];
  expect(id).toBeDefined();
  return { id: id as string, signed };
}

/** Verifies a signed file with the profile's published key, as a factory would. */
async function expectVerifies(signed: string, profile: string): Promise<void> {
  const keys = join(work, `keys-${profile}`);
  const published = await fleetsign(['public-keys', profile, '--out', keys, '--env-file', clientEnv]);
  expect(published.code).toBe(0);
  const pem = readdirSync(keys).find((name) => name.endsWith('.pem')) as string;
  const verified = await fleetsign(['verify_signature', '--version', '2', '--keyfile', join(keys, pem), signed]);
  expect({ code: verified.code, stderr: verified.stderr }).toEqual({ code: 0, stderr: '' });
  expect(verified.stdout).toContain('Signature block 0 verification successful using the supplied key');
}

beforeAll(async () => {
  port = await findFreePort();
});

afterAll(async () => {
  if (serve && serve.child.exitCode === null) await serve.stop('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('fleetsign init', () => {
  it('creates a token, configuration, secrets and client.env, all private to the user', async () => {
    const run = await runBin(['init', '--dir', dir, '--port', String(port)]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });

    const client = parseEnv(readFileSync(clientEnv, 'utf8'));
    expect(client.FLEETSIGN_URL).toBe(`http://127.0.0.1:${port}`);
    expect(client.FLEETSIGN_API_KEY).toMatch(/^fsk_/);
    expect(run.stdout).not.toContain(client.FLEETSIGN_API_KEY);

    expect(mode(dir)).toBe(0o700);
    for (const file of ['client.env', 'fleetsign.yaml', 'secrets/hsm-user-pin', 'secrets/webhook-secret', 'secrets/fs-signing-secret']) {
      expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
    }
    const config = parse(readFileSync(join(dir, 'fleetsign.yaml'), 'utf8')) as {
      profiles: Array<{ name: string; scheme: string; allowed_chips: string[] }>;
      tenants: unknown[];
      api_keys: Array<{ token_sha256: string }>;
    };
    expect(config.profiles.map((profile) => [profile.name, profile.scheme])).toEqual([
      ['rsa3072', 'sbv2-rsa3072'],
      ['ecdsa-p256', 'sbv2-ecdsa-p256'],
    ]);
    expect(config.profiles[0].allowed_chips).toEqual(expect.arrayContaining(['ESP32', 'ESP32-S3', 'ESP32-C6', 'ESP32-P4']));
    expect(config.profiles[0].allowed_chips).not.toContain('ESP32-C2');
    expect(config.profiles[1].allowed_chips).toEqual(expect.arrayContaining(['ESP32-C2', 'ESP32-C6', 'ESP32-C61']));
    expect(config.profiles[1].allowed_chips).not.toContain('ESP32-S3');
    expect(config.tenants).toHaveLength(1);
    expect(config.api_keys).toHaveLength(1);
    expect(readFileSync(join(dir, 'fleetsign.yaml'), 'utf8')).not.toContain(client.FLEETSIGN_API_KEY);
  });

  it('refuses to overwrite an installation, with one line and nothing changed', async () => {
    const before = readFileSync(clientEnv, 'utf8');
    const run = await runBin(['init', '--dir', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `A fatal error occurred: ${dir} already holds a FleetSign installation; fleetsign init never overwrites (choose another --dir)`,
    ]);
    expect(readFileSync(clientEnv, 'utf8')).toBe(before);
  });

  it('with --hsm-config, uses the key of an espsecure INI on the user\'s own token', async () => {
    const ini = join(work, 'hsm.ini');
    writeFileSync(
      ini,
      [
        '[hsm_config]',
        `pkcs11_lib = ${requireTestEnv('pkcs11Module')}`,
        `token_label = ${requireTestEnv('tokenLabel')}`,
        'label = fw-ec-p256',
        `credentials = ${requireTestEnv('tokenPin')}`,
        '',
      ].join('\n'),
    );
    const own = join(work, 'own');
    const run = await runBin(['init', '--dir', own, '--hsm-config', ini], { ...userEnv(), SOFTHSM2_CONF: process.env.SOFTHSM2_CONF });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const config = parse(readFileSync(join(own, 'fleetsign.yaml'), 'utf8')) as {
      profiles: Array<{ name: string; scheme: string; keys: Array<{ token_label: string; key_label: string }> }>;
    };
    expect(config.profiles).toEqual([
      expect.objectContaining({
        name: 'ecdsa-p256',
        scheme: 'sbv2-ecdsa-p256',
        keys: [expect.objectContaining({ token_label: requireTestEnv('tokenLabel'), key_label: 'fw-ec-p256' })],
      }),
    ]);
    expect(readFileSync(join(own, 'secrets', 'hsm-user-pin'), 'utf8').trim()).toBe(requireTestEnv('tokenPin'));
    expect(mode(join(own, 'secrets', 'hsm-user-pin'))).toBe(0o600);
    expect(readdirSync(own)).not.toContain('softhsm');
  });
});

describe('fleetsign serve', () => {
  it('runs the service and lists its processes; submit --env-file signs through it', async () => {
    serve = await ServeProcess.start(dir);
    expect(serve.stdout).toContain(`FleetSign is running at http://127.0.0.1:${port}`);
    expect(serve.stdout).toContain(`--env-file ${clientEnv}`);
    const processes = serve.processes();
    expect(processes.map((entry) => entry.role)).toEqual(['gateway', 'signer', 'notifier']);
    expect(processes[0].port).toBe(port);
    for (const entry of processes) expect(alive(entry.pid)).toBe(true);

    const job = await submit(buildEspImage({ chipId: ESP32_S3, size: 40_000, seed: 11 }), 'rsa3072', 'first');
    jobId = job.id;
    await expectVerifies(job.signed, 'rsa3072');
  });

  it('restarts a service that dies, and keeps signing', async () => {
    const running = serve as ServeProcess;
    const signer = running.processes().find((entry) => entry.role === 'signer') as { pid: number };
    process.kill(signer.pid, 'SIGKILL');
    const restarted = await pollUntil(
      async () => {
        const entry = running.processes().find((candidate) => candidate.role === 'signer');
        return entry && entry.pid !== signer.pid && entry.restarts === 1 ? entry : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: 'serve to restart the signer' },
    );
    expect(alive(restarted.pid)).toBe(true);
    expect(running.stderr).toContain(`the signer died and was restarted (pid ${restarted.pid})`);

    const job = await submit(buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 12 }), 'ecdsa-p256', 'after-restart');
    await expectVerifies(job.signed, 'ecdsa-p256');
  });

  it('stops every process on SIGTERM, and a new serve finds the job and its signed image', async () => {
    const running = serve as ServeProcess;
    const pids = running.processes().map((entry) => entry.pid);
    expect(await running.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(pids.filter(alive)).toEqual([]);
    expect(readdirSync(join(dir, 'run')).filter((name) => name.endsWith('.json'))).toEqual([]);

    serve = await ServeProcess.start(dir);
    const status = await fleetsign(['status', jobId, '--env-file', clientEnv]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Job ${jobId}: succeeded (profile rsa3072)`);
    const objects = readdirSync(join(dir, 'objects'), { recursive: true, encoding: 'utf8' });
    expect(objects).toContain(join('signed', 'default', `${jobId}.bin`));
    expect(await serve.stop('SIGINT')).toEqual({ code: 0, signal: null });
  });
});
