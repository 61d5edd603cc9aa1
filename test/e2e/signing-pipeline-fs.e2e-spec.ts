import { WebhookEventType } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import { E2eStack } from './support/e2e-stack';
import { expectSignedWithPublishedKeys } from './support/signed-file-checks';
import { download, type SigningClient } from './support/signing-client';

// The same path with the filesystem store (the single-machine default): presigned URLs
// point at the gateway's own /v1/objects route, where the URL signature is the only grant.

const ESP32_S3 = 9;

const stack = E2eStack.create('fs', 'fs', [{ name: 'release-rsa', scheme: 'sbv2-rsa3072', keys: ['rsa3072'], allowedChips: ['ESP32-S3'] }]);
let client: SigningClient;

beforeAll(async () => {
  client = await stack.startAll();
});

afterAll(() => stack.close());

describe('signing pipeline over HTTP with the filesystem store', () => {
  it('uploads and downloads through the gateway object route and signs with the RSA-3072 token key', async () => {
    const image = buildEspImage({ chipId: ESP32_S3, size: 50_000, seed: 2 });
    const published = await client.publicKeys('release-rsa');

    const { key, uploadUrl } = await client.upload(image);
    expect(uploadUrl.startsWith(`${client.baseUrl}/v1/objects/${key}?`)).toBe(true);
    expect((await stack.store.getBuffer(key, image.length)).equals(image)).toBe(true);

    const id = await client.submit('release-rsa', key, stack.webhookUrl());
    const job = await client.waitForSuccess(id);
    expect(job.result.signedKey).toBe(`signed/${stack.tenant}/${id}.bin`);
    expect(job.result.downloadUrl.startsWith(`${client.baseUrl}/v1/objects/${job.result.signedKey}?`)).toBe(true);

    const file = await download(job.result.downloadUrl);
    expectSignedWithPublishedKeys(file, image, published, job);
    // The URL is the grant: without its signature the same object is refused.
    expect((await fetch(`${client.baseUrl}/v1/objects/${job.result.signedKey}`)).status).toBe(403);

    const [request, ...more] = await stack.webhookRequests(`evt_${id}`);
    expect(more).toEqual([]);
    expect(stack.verifyWebhook(request)).toMatchObject({
      type: WebhookEventType.SignCompleted,
      version: 1,
      data: { id, state: 'succeeded', result: { signedSha256: job.result.signedSha256 } },
    });
    const delivered = await client.waitForJob(id, (view) => view.webhook?.state !== 'pending');
    expect(delivered.webhook).toMatchObject({ state: 'delivered', attempts: 1 });

    expect(await stack.keys('signed')).toEqual([job.result.signedKey]);
    const entries = await stack.logEntries();
    expect(entries.map((e) => [e.seq, e.jobId, e.signed.sha256, e.requester])).toEqual([[job.result.log.index, id, job.result.signedSha256, 'e2e-ci']]);
    expect(job.result.log.leafHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
