import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { findFreePort, pollUntil, type ServiceProcess } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { parse, stringify } from 'yaml';
import { runCli } from '../../apps/cli/src/cli';
import { createClientCommands } from '../../apps/cli/src/commands/client';
import { createGateway, type Gateway } from '../../apps/gateway/src';
import { E2eStack } from './support/e2e-stack';
import { startService, waitForLogMessage } from './support/node-service';
import { SigningClient } from './support/signing-client';

// Key lifecycle and live configuration through real processes: a signer process (SoftHSM2
// keys) and gateways reload the one configuration file on SIGHUP and when it changes on
// disk; an invalid file is refused and counted while jobs run; a retiring key signs and is
// recorded as retiring; a revoked key signs nothing (the gateway refuses at submission,
// the signer before signing); GET /v1/signatures/status answers before and after.

/** ESP32-C6: boots ECDSA-signed images. */
const ESP32_C6 = 13;
const stack = E2eStack.create('lifecycle', 'fs', [
  { name: 'release', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] },
  { name: 'other', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] },
]);
let signer: ServiceProcess;
let signerMetricsUrl: string;
let client: SigningClient;
/** A gateway that never reloads: it still accepts what the file revoked, so the signer's own check shows. */
let staleGateway: Gateway;
let seed = 500;

type ConfigFileData = { profiles: Array<Record<string, unknown> & { name: string; keys: Array<Record<string, unknown>> }> };
const original = readFileSync(stack.config.configPath, 'utf8');

/** Rewrites the configuration as editors and ConfigMaps do: a new file renamed over the old one. */
function writeConfig(edit: (data: ConfigFileData) => void): void {
  const data = parse(original) as ConfigFileData;
  edit(data);
  const temp = `${stack.config.configPath}.tmp`;
  writeFileSync(temp, stringify(data));
  renameSync(temp, stack.config.configPath);
}

function keyOf(data: ConfigFileData, profile: string) {
  const found = data.profiles.find((candidate) => candidate.name === profile);
  if (!found) throw new Error(`no profile ${profile}`);
  return found.keys[0];
}

/** A counter of a Prometheus text page. */
async function counter(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** Waits (bounded) until `name` at `url` reaches `atLeast`. */
function counterReaches(url: string, name: string, atLeast: number): Promise<number> {
  return pollUntil(async () => {
    const value = await counter(url, name);
    return value >= atLeast ? value : undefined;
  }, { timeoutMs: 15_000, intervalMs: 50, description: `${name} >= ${atLeast} at ${url}` });
}

function image(): Buffer {
  seed += 1;
  return buildEspImage({ chipId: ESP32_C6, size: 20_000, seed });
}

async function status(sha256: string, as: SigningClient = client) {
  const res = await as.api(`/v1/signatures/status?sha256=${sha256}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { jobs: Array<Record<string, unknown>>; revoked: boolean; revokedAt?: string } };
}

/** Runs `fleetsign signatures status <sha>` in-process against the stack's gateway. */
async function cliStatus(sha256: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const commands = createClientCommands({ progress: 'lines', handleInterrupts: false });
  const code = await runCli(
    ['signatures', 'status', sha256, '--url', client.baseUrl, '--api-key', stack.config.token],
    { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) },
    commands,
  );
  return { code, stdout, stderr };
}

beforeAll(async () => {
  await stack.startGateway();
  client = stack.client();
  staleGateway = await createGateway({ env: stack.env, logLevel: 'silent', reloadConfig: false });
  const metricsPort = await findFreePort();
  signer = await startService(
    'signer',
    {
      ...stack.env,
      SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETSIGN_LOG_LEVEL: 'info',
      FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1',
      FLEETSIGN_SIGNER_METRICS_PORT: String(metricsPort),
      FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '5000',
    },
    stack.config.dir,
  );
  await waitForLogMessage(signer, 'signer started');
  signerMetricsUrl = `http://127.0.0.1:${metricsPort}`;
});

afterAll(async () => {
  await signer?.stop();
  await staleGateway?.close();
  await stack.close();
});

describe('live configuration reload', () => {
  it('refuses an invalid file while jobs run, keeping the old configuration in force, and applies a valid one', async () => {
    const uploads = await Promise.all([1, 2, 3, 4, 5, 6].map(() => client.upload(image())));
    const ids = await Promise.all(uploads.map(({ key }) => client.submit('release', key)));

    const refusedBefore = await counter(signerMetricsUrl, 'fleetsign_config_reload_failures_total');
    const gatewayRefusedBefore = await counter(client.baseUrl, 'fleetsign_config_reload_failures_total');
    writeConfig((data) => (keyOf(data, 'release').state = 'paused'));
    signer.process.kill('SIGHUP');
    await counterReaches(signerMetricsUrl, 'fleetsign_config_reload_failures_total', refusedBefore + 1);
    await counterReaches(client.baseUrl, 'fleetsign_config_reload_failures_total', gatewayRefusedBefore + 1);
    await waitForLogMessage(signer, "configuration reload refused, the previous configuration stays in force: INVALID_CONFIG: " +
      `${stack.config.configPath}: profiles[0].keys[0].state: must be one of active, retiring, revoked`);

    // The jobs accepted before and during the refused reload all sign, with the old configuration.
    for (const id of ids) expect(await client.waitForSuccess(id)).toMatchObject({ state: 'succeeded' });
    const after = await client.upload(image());
    expect(await client.waitForSuccess(await client.submit('release', after.key))).toMatchObject({ state: 'succeeded' });

    const appliedBefore = await counter(signerMetricsUrl, 'fleetsign_config_reloads_total');
    writeConfig((data) => (keyOf(data, 'release').state = 'retiring'));
    signer.process.kill('SIGHUP');
    await counterReaches(signerMetricsUrl, 'fleetsign_config_reloads_total', appliedBefore + 1);
    const profiles = await pollUntil(async () => {
      const body = (await (await client.api('/v1/profiles')).json()) as { profiles: Array<{ name: string; keys: Array<{ state: string }> }> };
      const release = body.profiles.find((profile) => profile.name === 'release');
      return release?.keys[0].state === 'retiring' ? body : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50, description: 'the gateway to report the retiring key' });
    expect(profiles.profiles.find((profile) => profile.name === 'other')?.keys).toEqual([{ index: 0, state: 'active' }]);
  });
});

describe('retiring and revoked keys, and the revocation status', () => {
  let signed: { id: string; signedSha256: string; imageSha256: string };

  it('signs with a retiring key and records it as retiring in the result and the log entry', async () => {
    const upload = await client.upload(image());
    const job = await client.waitForSuccess(await client.submit('release', upload.key));
    const lifecycle = { profileState: 'active', keyStates: [{ index: 0, state: 'retiring' }] };
    expect(job.result.policy).toMatchObject({ lifecycle });
    expect((await stack.logEntryOf(job.id)).policy).toMatchObject({ lifecycle });
    signed = { id: job.id, signedSha256: job.result.signedSha256, imageSha256: job.result.imageSha256 };
  });

  it('answers the revocation status of a signed file and of its image before the revocation', async () => {
    const before = await status(signed.signedSha256);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ sha256: signed.signedSha256, revoked: false });
    expect(before.body.jobs).toEqual([
      expect.objectContaining({ jobId: signed.id, tenant: stack.tenant, profile: 'release', profileState: 'active', matched: ['signed'], revoked: false, keys: [expect.objectContaining({ index: 0, state: 'retiring' })] }),
    ]);
    const byImage = await status(signed.imageSha256.toUpperCase());
    expect(byImage.body.jobs).toEqual([expect.objectContaining({ jobId: signed.id, matched: ['image'] })]);
    expect((await status(createHash('sha256').update('never signed').digest('hex'))).body).toEqual({
      sha256: createHash('sha256').update('never signed').digest('hex'),
      jobs: [],
      revoked: false,
    });
    const cli = await cliStatus(signed.signedSha256);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`Job ${signed.id}`);
    expect(cli.stdout).toMatch(/Key 0 [0-9a-f]{64}: retiring\n/);
    expect(cli.stdout).toContain('Not revoked');
    const malformed = await client.api('/v1/signatures/status?sha256=xyz');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: ErrorCode.ValidationFailed });
  });

  it('after revoking the key: the gateway refuses at submission, the signer refuses what a stale gateway accepted, the status says revoked', async () => {
    const revokedAt = new Date(Date.now() - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const appliedBefore = await counter(signerMetricsUrl, 'fleetsign_config_reloads_total');
    // Both profiles hold the same token key: revoking it is a statement about the key.
    writeConfig((data) => {
      Object.assign(keyOf(data, 'release'), { state: 'revoked', revoked_at: revokedAt });
      Object.assign(keyOf(data, 'other'), { state: 'revoked', revoked_at: revokedAt });
    });
    // No SIGHUP: the signer sees the file change on disk.
    await counterReaches(signerMetricsUrl, 'fleetsign_config_reloads_total', appliedBefore + 1);

    const upload = await client.upload(image());
    const refused = await pollUntil(async () => {
      const res = await client.api('/v1/jobs', { method: 'POST', headers: { 'idempotency-key': `revoked-${seed}` }, json: { profile: 'release', source: { key: upload.key } } });
      return res.status === 422 ? res : undefined;
    }, { timeoutMs: 15_000, intervalMs: 50, description: 'the gateway to refuse the revoked key' });
    expect(await refused.json()).toMatchObject({ code: ErrorCode.KeyRevoked, detail: expect.stringContaining(`revoked since ${revokedAt.replace('Z', '.000Z')}`) });

    const stale = new SigningClient(staleGateway.url, stack.config.token);
    const accepted = await stale.submit('release', upload.key);
    const failed = await stale.waitForJob(accepted);
    expect(failed).toMatchObject({ state: 'failed', attempts: 1, error: { code: ErrorCode.KeyRevoked } });
    expect(await stack.keys('signed')).not.toContain(`signed/${stack.tenant}/${accepted}.bin`);

    const after = await status(signed.signedSha256);
    expect(after.body).toMatchObject({ revoked: true, revokedAt: revokedAt.replace('Z', '.000Z') });
    expect(after.body.jobs).toEqual([
      expect.objectContaining({ jobId: signed.id, revoked: true, keys: [expect.objectContaining({ state: 'revoked', revokedAt: revokedAt.replace('Z', '.000Z') })] }),
    ]);
    const cli = await cliStatus(signed.signedSha256);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(`REVOKED since ${revokedAt.replace('Z', '.000Z')}: do not publish`);
  });
});
