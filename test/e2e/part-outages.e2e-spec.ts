import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, pollUntil, type ServiceProcess } from '@fleetsign/devstack';
import { ErrorCode } from '@fleetsign/errors';
import { buildEspImage } from '@fleetsign/secure-boot';
import { createSoftHsmToken } from '../support/softhsm';
import { requireTestEnv } from '../support/test-env';
import { E2eStack } from './support/e2e-stack';
import { startService, waitForLogMessage } from './support/node-service';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download, type SigningClient } from './support/signing-client';

// A signer process whose HSM token and object store go away while it works: the job
// waits as `retrying` with the fault's code, the signer reports the profile unavailable
// on /readyz, and once each part is back the job is signed by itself, with nothing
// failed. The signer runs on a SoftHSM2 token of its own (same label and keys as the
// shared test token), so moving its folder away disturbs no other test.

/** ESP32-C6: boots ECDSA-signed images. */
const ESP32_C6 = 13;
const stack = E2eStack.create('outages', 'fs', [{ name: 'release-ec', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }]);
const tokenHome = mkdtempSync(join(requireTestEnv('tmpRoot'), 'outage-token-'));
const tokenDir = join(tokenHome, 'tokens');
const fsRoot = stack.env.FLEETSIGN_FS_ROOT;
let signer: ServiceProcess;
let client: SigningClient;
let readyzUrl: string;

/** Moves a folder away and returns the function that puts it back. */
function moveAway(path: string): () => void {
  const away = `${path}.away`;
  renameSync(path, away);
  return () => renameSync(away, path);
}

async function readyz(): Promise<{ status: number; body: { profiles?: Array<{ name: string; state: string; error?: { code: string } }> } }> {
  const res = await fetch(readyzUrl);
  return { status: res.status, body: (await res.json()) as never };
}

beforeAll(async () => {
  const token = await createSoftHsmToken({ dir: tokenHome });
  const metricsPort = await findFreePort();
  await stack.startGateway();
  client = stack.client();
  signer = await startService(
    'signer',
    {
      ...stack.env,
      SOFTHSM2_CONF: token.confPath,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETSIGN_LOG_LEVEL: 'info',
      FLEETSIGN_SIGNER_METRICS_HOST: '127.0.0.1',
      FLEETSIGN_SIGNER_METRICS_PORT: String(metricsPort),
      // Retries at most 1 s apart, so the test sees the job resume quickly.
      FLEETSIGN_RETRY_MAX_DELAY_MS: '1000',
      FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '5000',
    },
    stack.config.dir,
  );
  await waitForLogMessage(signer, 'signer started');
  readyzUrl = `http://127.0.0.1:${metricsPort}/readyz`;
});

afterAll(async () => {
  await signer?.stop();
  await stack.close();
  rmSync(tokenHome, { recursive: true, force: true });
});

describe('parts of the service going away while a job runs', () => {
  it('retries an HSM token outage and then a store outage, and signs the job once both are back', async () => {
    const published = await client.publicKeys('release-ec');
    expect((await readyz()).status).toBe(200);
    const image = buildEspImage({ chipId: ESP32_C6, size: 40_000, seed: 3 });
    const { key } = await client.upload(image);

    const tokenBack = moveAway(tokenDir);
    let storeBack: (() => void) | undefined;
    try {
      const id = await client.submit('release-ec', key);
      const hsmAway = await pollUntil(async () => {
        const job = await client.job(id);
        return job.state === 'retrying' && job.error?.code === ErrorCode.HsmUnavailable ? job : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100, description: 'the job to retry HSM_UNAVAILABLE' });
      expect(hsmAway.error?.message).not.toContain('1234');
      const unready = await pollUntil(async () => {
        const ready = await readyz();
        return ready.status === 503 ? ready : undefined;
      }, { timeoutMs: 10_000, intervalMs: 100, description: '/readyz to report the profile unavailable' });
      expect(unready.body.profiles).toEqual([expect.objectContaining({ name: 'release-ec', state: 'unavailable', error: expect.objectContaining({ code: ErrorCode.HsmUnavailable }) })]);

      storeBack = moveAway(fsRoot);
      await pollUntil(async () => {
        const job = await client.job(id);
        return job.state === 'retrying' && job.error?.code === ErrorCode.StorageError ? job : undefined;
      }, { timeoutMs: 30_000, intervalMs: 100, description: 'the job to retry STORAGE_ERROR' });
      tokenBack();
      expect(existsSync(fsRoot)).toBe(false);
      storeBack();
      storeBack = undefined;

      const done = await client.waitForSuccess(id, 30_000);
      expect(done.attempts).toBeGreaterThan(2);
      expectSignedWithPublishedKeys(await download(done.result.downloadUrl), image, published, done);
      await pollUntil(async () => ((await readyz()).status === 200 ? true : undefined), {
        timeoutMs: 10_000,
        intervalMs: 100,
        description: '/readyz to report the profile available again',
      });
      // The whole log verifies and holds exactly one entry for the job, signed once.
      const entries = (await stack.logEntries()).filter((entry) => entry.jobId === id);
      expect(entries).toEqual([expect.objectContaining({ kind: 'signed', signed: expect.objectContaining({ sha256: done.result.signedSha256 }) })]);
    } finally {
      if (existsSync(`${tokenDir}.away`)) tokenBack();
      storeBack?.();
    }
  });
});
