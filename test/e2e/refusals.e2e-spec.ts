import { ErrorCode } from '@fleetsign/errors';
import { WebhookEventType } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import { logHeadRedisKey } from '../../apps/signer/src';
import { WRONG_PIN } from './support/e2e-config';
import { E2eStack } from './support/e2e-stack';
import type { SigningClient } from './support/signing-client';

// Failures through the whole path, as the client sees them: bad input is refused with
// its code and leaves nothing behind; a profile whose HSM PIN is wrong fails its jobs
// with HSM_PIN_INCORRECT while the same signer keeps signing for the other profiles.

const ESP32_S3 = 9;
const ESP32_C6 = 13;

const stack = E2eStack.create('refusals', 's3', [
  { name: 'release-rsa', scheme: 'sbv2-rsa3072', keys: ['rsa3072'] },
  { name: 'release-p256', scheme: 'sbv2-ecdsa-p256', keys: ['p256'] },
  { name: 'locked', scheme: 'sbv2-rsa3072', keys: ['rsa3072b'], pin: 'wrong' },
]);
let client: SigningClient;
const uploads: string[] = [];

beforeAll(async () => {
  client = await stack.startAll();
});

afterAll(() => stack.close());

/** Uploads, submits and waits for the job's final state. */
async function runJob(profile: string, image: Buffer, webhook = false) {
  const { key } = await client.upload(image);
  uploads.push(key);
  const id = await client.submit(profile, key, webhook ? stack.webhookUrl() : undefined);
  return client.waitForJob(id);
}

describe('bad input through the whole path', () => {
  it('fails a file that is not an ESP image with INVALID_IMAGE and sends the failure webhook', async () => {
    const job = await runJob('release-rsa', Buffer.from('#!/bin/sh\necho this is not firmware\n'.repeat(40)), true);
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: ErrorCode.InvalidImage } });
    expect(job.result).toBeUndefined();

    const [request] = await stack.webhookRequests(`evt_${job.id}`);
    expect(stack.verifyWebhook(request)).toMatchObject({
      type: WebhookEventType.SignFailed,
      version: 1,
      data: { id: job.id, state: 'failed', error: { code: ErrorCode.InvalidImage, message: job.error?.message } },
    });
    const delivered = await client.waitForJob(job.id, (view) => view.webhook?.state !== 'pending');
    expect(delivered.webhook).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('fails an image whose chip cannot boot the profile scheme with CHIP_SCHEME_MISMATCH', async () => {
    // ESP32-S3 ROMs verify RSA-3072 only; this profile signs ECDSA P-256.
    const job = await runJob('release-p256', buildEspImage({ chipId: ESP32_S3, size: 20_000, seed: 3 }));
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: ErrorCode.ChipSchemeMismatch } });
    expect(job.error?.message).toMatch(/ESP32-S3/);
  });

  it('stored no signed object and no log entry for the refused jobs', async () => {
    expect((await stack.keys('incoming')).sort()).toEqual([...uploads].sort());
    expect(await stack.keys('signed')).toEqual([]);
    expect(await stack.logEntries()).toEqual([]);
    expect(await stack.redis.get(logHeadRedisKey(stack.prefix))).toBeNull();
  });
});

describe('a profile whose HSM PIN is wrong', () => {
  it('has no published keys, and its jobs fail with HSM_PIN_INCORRECT without the PIN in any message', async () => {
    const keys = await client.api('/v1/profiles/locked/public-keys');
    expect(keys.status).toBe(503);
    expect(await keys.json()).toMatchObject({ code: ErrorCode.ProfileKeysUnavailable });

    const job = await runJob('locked', buildEspImage({ chipId: ESP32_S3, size: 20_000, seed: 4 }));
    expect(job).toMatchObject({ state: 'failed', attempts: 1, error: { code: ErrorCode.HsmPinIncorrect } });
    expect(JSON.stringify(job)).not.toContain(WRONG_PIN);
    expect(stack.signer?.registry.status().find((profile) => profile.name === 'locked')).toMatchObject({
      state: 'unavailable',
      error: { code: ErrorCode.HsmPinIncorrect },
    });
  });

  it('does not stop the same signer from signing for another profile afterwards', async () => {
    const image = buildEspImage({ chipId: ESP32_C6, size: 20_000, seed: 5 });
    const job = await runJob('release-p256', image);
    expect(job).toMatchObject({ state: 'succeeded', result: { signedKey: `signed/${stack.tenant}/${job.id}.bin` } });
    expect(stack.signer?.isReady()).toBe(true);

    expect(await stack.keys('signed')).toEqual([`signed/${stack.tenant}/${job.id}.bin`]);
    const [record, ...more] = await stack.logEntries();
    expect(more).toEqual([]);
    expect(record).toMatchObject({ seq: 0, kind: 'signed', jobId: job.id, profile: 'release-p256' });
  });
});
