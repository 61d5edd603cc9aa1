import { WebhookEventType } from '@fleetsign/queue';
import { buildEspImage, verifyV2 } from '@fleetsign/secure-boot';
import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, webhookHeaders } from '../integration/notifier/notifier-test-kit';
import { requireTestEnv } from '../support/test-env';
import { E2eStack } from './support/e2e-stack';
import { expectSignedWithPublishedKeys, publishedKeyObjects } from './support/signed-file-checks';
import { download, type SigningClient } from './support/signing-client';

// The whole signing path over HTTP with the S3 store (s3rver): gateway, signer and
// notifier in this process, keys on SoftHSM. A client uploads through a presigned PUT
// (bytes never pass the gateway), submits a job with a webhook, reads the result,
// downloads the signed file and verifies it with nothing but the published public keys.

const ESP32_S3 = 9;
const ESP32_C6 = 13;

const stack = E2eStack.create('s3', 's3', [
  { name: 'release-rsa', scheme: 'sbv2-rsa3072', keys: ['rsa3072'] },
  { name: 'release-p256', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] },
  { name: 'release-dual', scheme: 'sbv2-ecdsa-p256', keys: ['p256', 'p256b'] },
]);
let client: SigningClient;
const signedJobs: string[] = [];

beforeAll(async () => {
  client = await stack.startAll();
});

afterAll(() => stack.close());

describe('signing pipeline over HTTP with the S3 store', () => {
  it.each([
    { profile: 'release-rsa', chipId: ESP32_S3, size: 70_000, blocks: 1 },
    { profile: 'release-p256', chipId: ESP32_C6, size: 30_000, blocks: 1 },
    { profile: 'release-dual', chipId: ESP32_C6, size: 45_000, blocks: 2 },
  ])('signs for $profile: upload, job, webhook, result, download, verification with the published keys', async ({ profile, chipId, size, blocks }) => {
    const image = buildEspImage({ chipId, size, seed: size });
    const published = await client.publicKeys(profile);
    expect(published.keys).toHaveLength(blocks);

    const { key, uploadUrl } = await client.upload(image);
    expect(key).toMatch(new RegExp(`^incoming/${stack.tenant}/[0-9a-f-]{36}\\.bin$`));
    expect(uploadUrl.startsWith(`${requireTestEnv('s3Endpoint')}/`)).toBe(true);

    const id = await client.submit(profile, key, stack.webhookUrl(`/hooks/${profile}`));
    const job = await client.waitForSuccess(id);
    signedJobs.push(id);
    expect(job).toMatchObject({ id, profile, state: 'succeeded', result: { signedKey: `signed/${stack.tenant}/${id}.bin` } });
    expect(job.result.downloadUrl.startsWith(`${requireTestEnv('s3Endpoint')}/`)).toBe(true);

    const file = await download(job.result.downloadUrl);
    expectSignedWithPublishedKeys(file, image, published, job);

    // The webhook: exactly one delivery of the stable event id, verifiable by the receiver.
    const eventId = `evt_${id}`;
    const [request, ...more] = await stack.webhookRequests(eventId);
    expect(more).toEqual([]);
    expect(request.url).toBe(`/hooks/${profile}`);
    const event = stack.verifyWebhook(request);
    expect(event).toMatchObject({
      id: eventId,
      type: WebhookEventType.SignCompleted,
      version: 1,
      data: {
        id,
        state: 'succeeded',
        profile,
        result: { signedKey: job.result.signedKey, signedSha256: job.result.signedSha256, imageSha256: job.result.imageSha256 },
      },
    });
    expect(() => new Webhook(newWebhookSecret()).verify(request.body, webhookHeaders(request))).toThrow();

    // Delivery state as the job reports it (the notifier records it just after the receiver answered).
    const delivered = await client.waitForJob(id, (view) => view.webhook?.state !== 'pending');
    expect(delivered.webhook).toEqual({ url: stack.webhookUrl(`/hooks/${profile}`), eventId, state: 'delivered', attempts: 1 });
  });

  it('control: a signed file does not verify with a key the profile does not hold', async () => {
    const p256Job = await client.waitForSuccess(signedJobs[1]);
    const p256File = await download(p256Job.result.downloadUrl);
    const [p256, p256b] = publishedKeyObjects(await client.publicKeys('release-dual'));
    expect(verifyV2(p256File, { publicKeys: [p256] }).valid).toBe(true);
    expect(verifyV2(p256File, { publicKeys: [p256b] }).valid).toBe(false);
  });

  it('stored exactly one signed file and one log entry per job', async () => {
    expect(signedJobs).toHaveLength(3);
    expect((await stack.keys('signed')).sort()).toEqual(signedJobs.map((id) => `signed/${stack.tenant}/${id}.bin`).sort());
    const entries = await stack.logEntries();
    expect(entries.map((entry) => entry.jobId).sort()).toEqual([...signedJobs].sort());
  });
});
