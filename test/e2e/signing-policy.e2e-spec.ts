import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@fleetsign/errors';
import { type BatchManifest, type SigningPolicyFacts, WebhookEventType } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import { runCli } from '../../apps/cli/src/cli';
import { createClientCommands } from '../../apps/cli/src/commands/client';
import { requireTestEnv } from '../support/test-env';
import { E2eStack } from './support/e2e-stack';
import type { SigningClient } from './support/signing-client';

// Signing policy through the whole path (issue 8): who asked and which app was signed,
// in the job view, the webhook, the log entry, the batch manifest and the CLI; and
// anti-rollback on secure_version: floor, monotonic, step, bootloaders exempt.

const ESP32_C6 = 13;
const API_KEY = 'e2e-ci';

const stack = E2eStack.create(
  'policy',
  'fs',
  [
    { name: 'guarded', scheme: 'sbv2-ecdsa-p256', keys: ['p256'], antiRollback: { min_secure_version: 2, monotonic: true, max_step: 2 } },
    { name: 'open', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] },
  ],
  { scopes: ['sign', 'read', 'batch'] },
);
let client: SigningClient;
let seed = 100;

beforeAll(async () => {
  client = await stack.startAll();
});

afterAll(() => stack.close());

/** An ESP32-C6 app image of `project` with `secureVersion`. */
function appImage(secureVersion: number, project = 'door-lock'): Buffer {
  seed += 1;
  return buildEspImage({ chipId: ESP32_C6, size: 12_000, seed, secureVersion, projectName: project, version: `v1.${secureVersion}` });
}

/** Uploads, submits and waits for the job's final state. */
async function runJob(profile: string, image: Buffer, webhook = false) {
  const { key } = await client.upload(image);
  const id = await client.submit(profile, key, webhook ? stack.webhookUrl() : undefined);
  return client.waitForJob(id);
}

/** Signatures the signer made on its keys so far. */
async function hsmSignatures(): Promise<number> {
  const metric = await stack.signer!.metrics.signDuration.get();
  return metric.values.filter((value) => value.metricName?.endsWith('_count')).reduce((sum, value) => sum + value.value, 0);
}

/** Runs `fleetsign <argv>` in-process against the stack's gateway. */
async function fleetsign(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const commands = createClientCommands({ progress: 'lines', handleInterrupts: false, pollBackoff: { initialMs: 50, maxMs: 250, factor: 1.5 } });
  const connection = ['--url', client.baseUrl, '--api-key', stack.config.token];
  const code = await runCli(
    [...argv, ...connection],
    { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) },
    commands,
  );
  return { code, stdout, stderr };
}

describe('who asked and what was signed', () => {
  it('reports the requester and the app description in the job, the webhook and the log entry', async () => {
    const job = await runJob('guarded', appImage(2), true);
    const policy: SigningPolicyFacts = {
      requester: API_KEY,
      app: { projectName: 'door-lock', version: 'v1.2', secureVersion: 2, idfVersion: 'v5.5.1', buildDate: 'Jan  1 2026', buildTime: '12:00:00' },
    };
    expect(job).toMatchObject({ state: 'succeeded', requester: API_KEY, result: { policy } });

    const [request] = await stack.webhookRequests(`evt_${job.id}`);
    expect(stack.verifyWebhook(request)).toMatchObject({
      type: WebhookEventType.SignCompleted,
      data: { id: job.id, requester: API_KEY, result: { policy } },
    });
    expect((await stack.logEntryOf(job.id)).policy).toEqual(policy);
  });

  it('reports the requester of a refused job and the webhook of its failure', async () => {
    const job = await runJob('guarded', appImage(0), true);
    expect(job).toMatchObject({ state: 'failed', requester: API_KEY, error: { code: ErrorCode.SecureVersionTooLow } });
    const [request] = await stack.webhookRequests(`evt_${job.id}`);
    expect(stack.verifyWebhook(request)).toMatchObject({
      type: WebhookEventType.SignFailed,
      data: { id: job.id, requester: API_KEY, error: { code: ErrorCode.SecureVersionTooLow } },
    });
  });
});

describe('anti-rollback', () => {
  it('refuses below min_secure_version without an HSM operation or a signed object', async () => {
    const signaturesBefore = await hsmSignatures();
    const signedBefore = await stack.keys('signed');
    const job = await runJob('guarded', appImage(1));
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: ErrorCode.SecureVersionTooLow } });
    expect(job.error?.message).toMatch(/secure_version 1 is below profile 'guarded' anti_rollback\.min_secure_version 2/);
    expect(await hsmSignatures()).toBe(signaturesBefore);
    expect(await stack.keys('signed')).toEqual(signedBefore);
  });

  it('refuses a jump over max_step, signs within it, then refuses going back below the highest signed', async () => {
    const jump = await runJob('guarded', appImage(5));
    expect(jump).toMatchObject({ state: 'failed', error: { code: ErrorCode.SecureVersionStepTooLarge } });
    expect(jump.error?.message).toMatch(/jumps 3 over 2; profile 'guarded' allows at most 2/);

    const step = await runJob('guarded', appImage(4));
    expect(step).toMatchObject({ state: 'succeeded', result: { policy: { app: { secureVersion: 4 }, previousSecureVersion: 2 } } });

    const back = await runJob('guarded', appImage(3));
    expect(back).toMatchObject({ state: 'failed', error: { code: ErrorCode.SecureVersionTooLow } });
    expect(back.error?.message).toMatch(/below secure_version 4, already signed with profile 'guarded'/);
    // The same secure_version again (a rebuild) is no rollback.
    expect(await runJob('guarded', appImage(4))).toMatchObject({ state: 'succeeded', result: { policy: { previousSecureVersion: 4 } } });
  });

  it('keeps each project its own history, and profiles without the rule sign any secure_version', async () => {
    expect(await runJob('guarded', appImage(2, 'thermostat'))).toMatchObject({ state: 'succeeded' });
    expect(await runJob('open', appImage(0))).toMatchObject({ state: 'succeeded', result: { policy: { app: { secureVersion: 0 } } } });
  });

  it('does not apply to images without an app description (bootloaders)', async () => {
    const bootloader = buildEspImage({ chipId: ESP32_C6, segments: [{ loadAddress: 0x4086c410, data: Buffer.alloc(8192, 0x5a) }] });
    const job = await runJob('guarded', bootloader);
    expect(job).toMatchObject({ state: 'succeeded', result: { policy: { requester: API_KEY } } });
    expect(job.result?.policy?.app).toBeUndefined();
  });
});

describe('the CLI', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'policy-cli-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('submit fails with the refusal code on one line; status shows the requester and the app', async () => {
    writeFileSync(join(dir, 'old.bin'), appImage(1));
    const refused = await fleetsign(['submit', join(dir, 'old.bin'), '--profile', 'guarded', '--wait']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/^fleetsign: job job_[0-9a-f]{32} failed: SECURE_VERSION_TOO_LOW: .*min_secure_version 2\n$/);

    writeFileSync(join(dir, 'new.bin'), appImage(4));
    const signed = await fleetsign(['submit', join(dir, 'new.bin'), '--profile', 'guarded', '--wait']);
    expect({ code: signed.code, stderr: signed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(signed.stdout).toContain(`Requested by: ${API_KEY}`);
    expect(signed.stdout).toContain('App: door-lock v1.4, secure_version 4, ESP-IDF v5.5.1, built Jan  1 2026 12:00:00');
  });

  it('batch records the requester and each item policy facts or refusal in the manifest', async () => {
    const images = join(dir, 'images');
    const out = join(dir, 'out');
    mkdirSync(images);
    writeFileSync(join(images, 'current.bin'), appImage(4));
    writeFileSync(join(images, 'rollback.bin'), appImage(3));
    const run = await fleetsign(['batch', images, '--profile', 'guarded', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('rollback.bin');

    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BatchManifest;
    expect(manifest.requester).toBe(API_KEY);
    const view = await client.api(`/v1/batches/${manifest.batchId}`);
    expect(await view.json()).toMatchObject({ id: manifest.batchId, requester: API_KEY, state: 'completed' });
    const items = await client.api(`/v1/batches/${manifest.batchId}/items`);
    expect(((await items.json()) as { items: Array<{ state: string; policy?: SigningPolicyFacts }> }).items).toEqual(
      expect.arrayContaining([expect.objectContaining({ state: 'succeeded', policy: expect.objectContaining({ requester: API_KEY }) })]),
    );
    const byName = Object.fromEntries(manifest.items.map((item) => [item.name, item]));
    expect(byName['current.bin']).toMatchObject({ state: 'succeeded', policy: { requester: API_KEY, app: { projectName: 'door-lock', secureVersion: 4 } } });
    expect(byName['rollback.bin']).toMatchObject({ state: 'failed', error: { code: ErrorCode.SecureVersionTooLow } });
  });
});
