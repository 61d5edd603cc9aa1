import { pollUntil, type ServiceProcess } from '@fleetsign/devstack';
import { buildEspImage } from '@fleetsign/secure-boot';
import { requireTestEnv } from '../support/test-env';
import { E2eStack } from './support/e2e-stack';
import { type HeldRequest, type HoldingProxy, startHoldingProxy } from './support/holding-proxy';
import { startService, waitForLogMessage } from './support/node-service';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download, type SigningClient } from './support/signing-client';

// Takeover with the default lock settings: a signer process is killed (SIGKILL) while it
// holds a job (its PUT of the signed file is withheld by a proxy); a second signer process
// that is already running must finish that job within 15 s of the kill. A behaviour
// bound, not a benchmark: the defaults (8 s locks, 3 s stall checks) aim at about 11 s.

/** ESP32-C6: boots ECDSA-signed images. */
const ESP32_C6 = 13;
const TAKEOVER_BOUND_MS = 15_000;

const stack = E2eStack.create('takeover', 's3', [{ name: 'release-ec', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] }]);
const signers: ServiceProcess[] = [];
let proxy: HoldingProxy;
let client: SigningClient;

/** A signer process as an operator runs it: default lock and stall settings. */
function signerEnv(s3Endpoint: string): Record<string, string> {
  return {
    ...stack.env,
    FLEETSIGN_S3_ENDPOINT: s3Endpoint,
    SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    FLEETSIGN_LOG_LEVEL: 'info',
    FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '5000',
  };
}

beforeAll(async () => {
  await stack.startGateway();
  client = stack.client();
  proxy = await startHoldingProxy(requireTestEnv('s3Endpoint'), (method, path) => method === 'PUT' && path.includes(`/signed/${stack.tenant}/`));
});

afterAll(async () => {
  await Promise.all(signers.map((signer) => signer.stop()));
  await proxy?.close();
  await stack.close();
});

describe('takeover after a signer is killed', () => {
  it('gives the killed signer’s job to the running signer within 15 s', async () => {
    const first = await startService('signer', signerEnv(proxy.endpoint), stack.config.dir, { instance: 1 });
    signers.push(first);
    await waitForLogMessage(first, 'signer started');

    const image = buildEspImage({ chipId: ESP32_C6, size: 30_000, seed: 11 });
    const published = await client.publicKeys('release-ec');
    const { key } = await client.upload(image);
    const id = await client.submit('release-ec', key);
    let held: HeldRequest | undefined;
    void proxy.held.then((request) => (held = request));
    await pollUntil(async () => held, { timeoutMs: 15_000, intervalMs: 20, description: 'the first signer to PUT the signed file' });

    // The second signer runs before the kill, as in a fleet; the job is the first one's.
    const second = await startService('signer', signerEnv(requireTestEnv('s3Endpoint')), stack.config.dir, { instance: 2 });
    signers.push(second);
    await waitForLogMessage(second, 'signer started');
    expect(await client.job(id)).toMatchObject({ state: 'active' });

    const killedAt = Date.now();
    await first.kill();
    const job = await client.waitForSuccess(id, 60_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
    expectSignedWithPublishedKeys(await download(job.result.downloadUrl), image, published, job);
  });
});
