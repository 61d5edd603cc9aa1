import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readProfileKeys, type ProfileKeysRecord } from '@fleetsign/queue/profile-key-directory';
import { publicKeyDigestV2 } from '@fleetsign/secure-boot';
import { createPublicKey } from 'node:crypto';
import { CLIENT_PROFILES, ClientStack, ClientWorkspace, closedPort, espImage, expectExit, verifiesWith } from './client-test-kit';

// `fleetsign submit`, `status` and `public-keys` against a real gateway and signer
// (SoftHSM keys, s3rver, Redis), run in-process.

let stack: ClientStack;
let ws: ClientWorkspace;
let rsaKeys: ProfileKeysRecord;
let ecdsaKeys: ProfileKeysRecord;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  stack = await ClientStack.start();
  ws = new ClientWorkspace();
  const { redis, prefix } = stack.harness;
  rsaKeys = (await readProfileKeys(redis, prefix, CLIENT_PROFILES.rsa))!;
  ecdsaKeys = (await readProfileKeys(redis, prefix, CLIENT_PROFILES.ecdsa))!;
});

afterAll(async () => {
  await stack?.close();
  ws?.remove();
});

describe('fleetsign submit', () => {
  it('uploads, waits and writes a signed image that verifies against the profile key', async () => {
    const image = espImage(101);
    const input = ws.write('app.bin', image);
    const out = ws.path('app.signed.bin');
    const run = await stack.run(['submit', input, '--profile', CLIENT_PROFILES.rsa, '--wait', '--out', out, ...stack.connection]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const signed = ws.read('app.signed.bin');
    expect(signed.subarray(0, image.length).equals(image)).toBe(true);
    expect(verifiesWith(signed, rsaKeys.keys.map((key) => key.publicKeyPem))).toBe(true);
    expect(run.stdout).toMatch(/^Job job_[0-9a-f]{32}: succeeded \(profile cl-rsa\)$/m);
    expect(run.stdout).toContain(`Signed SHA-256: ${sha256(signed)}`);
    expect(run.stdout).toContain(`key digest: ${rsaKeys.keys[0].keyDigestSha256}`);
    expect(ws.files().filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('signs with every key of a two-key profile and reports JSON', async () => {
    const input = ws.write('two.bin', espImage(102, { chip: 'esp32c6' }));
    const out = ws.path('two.signed.bin');
    const run = await stack.run(['submit', input, '-p', CLIENT_PROFILES.ecdsa, '--out', out, '--json', ...stack.connection]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const job = JSON.parse(run.stdout) as { id: string; state: string; out: string; result: { signedSha256: string; blocks: unknown[] } };
    expect(job).toMatchObject({ state: 'succeeded', out });
    expect(job.result.blocks).toHaveLength(2);
    const signed = ws.read('two.signed.bin');
    expect(job.result.signedSha256).toBe(sha256(signed));
    expect(verifiesWith(signed, ecdsaKeys.keys.map((key) => key.publicKeyPem))).toBe(true);
  });

  it('without --wait prints the job id, which status then reports', async () => {
    const input = ws.write('later.bin', espImage(103));
    const submitted = await stack.run(['submit', input, '--profile', CLIENT_PROFILES.rsa, '--json', ...stack.connection]);
    expect(submitted.code).toBe(0);
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    expect(id).toMatch(/^job_[0-9a-f]{32}$/);

    // Poll status (bounded) until the signer has finished the job.
    let view: { state: string; result?: { signedKey: string } } = { state: 'queued' };
    for (let i = 0; i < 200 && view.state !== 'succeeded' && view.state !== 'failed'; i++) {
      const status = await stack.run(['status', id, '--json', ...stack.connection]);
      expect(status.code).toBe(0);
      view = JSON.parse(status.stdout) as typeof view;
      if (view.state !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(view.state).toBe('succeeded');
    expect(view.result?.signedKey).toBe(`signed/${stack.harness.tenant}/${id}.bin`);

    const text = await stack.run(['status', id, ...stack.connection]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Job ${id}: succeeded (profile ${CLIENT_PROFILES.rsa})`);
  });

  it('reports a job the signer refuses with its code, exit 1 and no output file', async () => {
    const input = ws.write('not-esp.bin', Buffer.alloc(8192, 0x42));
    const out = ws.path('not-esp.signed.bin');
    const run = await stack.run(['submit', input, '--profile', CLIENT_PROFILES.rsa, '--out', out, ...stack.connection]);
    expectExit(run, 1);
    expect(run.stderr).toMatch(/^fleetsign: job job_[0-9a-f]{32} failed: INVALID_IMAGE: .+\n$/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails with one line and exit 2 for an unknown profile, a wrong key and an unreachable service', async () => {
    const input = ws.write('x.bin', espImage(104));
    const unknown = await stack.run(['submit', input, '--profile', 'no-such-profile', '--wait', ...stack.connection]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^fleetsign: POST \/v1\/jobs: HTTP 422 UNKNOWN_PROFILE: .+\n$/);

    const wrongKey = 'fsk_wrong_key_that_the_gateway_does_not_know';
    const denied = await stack.run(['submit', input, '--profile', CLIENT_PROFILES.rsa, '--url', stack.url, '--api-key', wrongKey]);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toMatch(/^fleetsign: POST \/v1\/uploads: HTTP 401 UNAUTHENTICATED: .+\n$/);
    expect(denied.stderr).not.toContain(wrongKey);

    const port = await closedPort();
    const unreachable = await stack.run(['status', 'job_0', '--url', `http://127.0.0.1:${port}`, '--api-key', stack.token.token]);
    expectExit(unreachable, 2);
    expect(unreachable.stderr).toBe(`fleetsign: GET /v1/jobs/job_0: cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('needs a URL and an API key, and takes them from the environment', async () => {
    const missing = await stack.run(['status', 'job_0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('fleetsign: no service URL: pass --url or set FLEETSIGN_URL\n');

    const saved = { url: process.env.FLEETSIGN_URL, key: process.env.FLEETSIGN_API_KEY };
    process.env.FLEETSIGN_URL = stack.url;
    process.env.FLEETSIGN_API_KEY = stack.token.token;
    try {
      const notFound = await stack.run(['status', 'job_00000000000000000000000000000000']);
      expect(notFound.code).toBe(2);
      expect(notFound.stderr).toMatch(/^fleetsign: GET \/v1\/jobs\/job_0{32}: HTTP 404 NOT_FOUND: .+\n$/);
    } finally {
      for (const [name, value] of [['FLEETSIGN_URL', saved.url], ['FLEETSIGN_API_KEY', saved.key]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('fleetsign public-keys', () => {
  it('prints the digests and writes PEM and digest files that match the keys', async () => {
    const out = ws.path('keys');
    const run = await stack.run(['public-keys', CLIENT_PROFILES.ecdsa, '--out', out, ...stack.connection]);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(ws.files('keys')).toEqual(['cl-p256-key0-digest.bin', 'cl-p256-key0.pem', 'cl-p256-key1-digest.bin', 'cl-p256-key1.pem']);
    for (const key of ecdsaKeys.keys) {
      const pem = ws.read('keys', `cl-p256-key${key.index}.pem`).toString('utf8');
      const digest = ws.read('keys', `cl-p256-key${key.index}-digest.bin`);
      expect(digest.equals(publicKeyDigestV2(createPublicKey(pem)))).toBe(true);
      expect(digest.toString('hex')).toBe(key.keyDigestSha256);
      expect(run.stdout).toContain(`Key ${key.index} (ecdsa-p256) digest ${key.keyDigestSha256}`);
    }
  });

  it('answers 404 UNKNOWN_PROFILE as one line', async () => {
    const run = await stack.run(['public-keys', 'nope', ...stack.connection]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fleetsign: GET \/v1\/profiles\/nope\/public-keys: HTTP 404 UNKNOWN_PROFILE: .+\n$/);
  });
});
