import { ErrorCode } from '@fleetsign/errors';
import type { ServiceProcess } from '@fleetsign/devstack';
import { type KeyUsageFacts, WebhookEventType } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import { E2eStack } from './support/e2e-stack';
import { startService, waitForLogMessage } from './support/node-service';
import type { SigningClient } from './support/signing-client';

// Key usage limits through the whole path: a signer in this process and a built signer
// process race for a key's last signatures; the count shows in the job view, the webhook,
// the log entry and GET /v1/profiles; refusals are KEY_USAGE_LIMIT_REACHED in the job view
// and the sign.failed webhook.

const ESP32_C6 = 13;
const LIMIT = 4;
const stack = E2eStack.create('usage', 'fs', [
  { name: 'limited', scheme: 'sbv2-ecdsa-p256', keys: ['p256'], usageLimit: { max_signatures: LIMIT, window: '1h', max: 10 } },
]);
let client: SigningClient;
let signerProcess: ServiceProcess;
let seed = 500;

beforeAll(async () => {
  client = await stack.startAll();
  signerProcess = await startService(
    'signer',
    {
      ...stack.env,
      SOFTHSM2_CONF: process.env.SOFTHSM2_CONF ?? '',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      FLEETSIGN_LOG_LEVEL: 'info',
      FLEETSIGN_SIGNER_SHUTDOWN_TIMEOUT_MS: '5000',
    },
    stack.config.dir,
    { instance: 2 },
  );
  await waitForLogMessage(signerProcess, 'signer started');
}, 60_000);

afterAll(async () => {
  await signerProcess?.stop();
  await stack.close();
});

function image(): Buffer {
  seed += 1;
  return buildEspImage({ chipId: ESP32_C6, size: 9000, seed });
}

async function profileUsage(): Promise<unknown> {
  const res = await client.api('/v1/profiles');
  const body = (await res.json()) as { profiles: Array<{ name: string; usage?: unknown }> };
  return body.profiles.find((profile) => profile.name === 'limited')?.usage;
}

describe('key usage_limit end to end', () => {
  it('GET /v1/profiles shows the limit and nothing used before the first signing', async () => {
    await expect(profileUsage()).resolves.toEqual([
      { keyIndex: 0, maxSignatures: LIMIT, window: { length: '1h', max: 10 } },
    ]);
  });

  it('two signer processes sign exactly max_signatures images; the others fail KEY_USAGE_LIMIT_REACHED in the view and the webhook', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, async () => client.submit('limited', (await client.upload(image())).key, stack.webhookUrl())),
    );
    const jobs = await Promise.all(ids.map((id) => client.waitForJob(id)));
    const succeeded = jobs.filter((job) => job.state === 'succeeded');
    const failed = jobs.filter((job) => job.state === 'failed');
    expect(succeeded).toHaveLength(LIMIT);
    expect(failed).toHaveLength(10 - LIMIT);
    for (const job of failed) expect(job).toMatchObject({ attempts: 1, error: { code: ErrorCode.KeyUsageLimitReached } });

    const usages = succeeded.map((job) => (job.result?.policy as { usage?: KeyUsageFacts[] } | undefined)?.usage?.[0]);
    expect(usages.map((usage) => usage?.count).sort()).toEqual([1, 2, 3, 4]);
    for (const usage of usages) expect(usage).toMatchObject({ keyIndex: 0, maxSignatures: LIMIT, window: { length: '1h', max: 10 } });

    const [done] = await stack.webhookRequests(`evt_${succeeded[0].id}`);
    expect(stack.verifyWebhook(done)).toMatchObject({ type: WebhookEventType.SignCompleted, data: { result: { policy: { usage: [{ keyIndex: 0 }] } } } });
    const [refused] = await stack.webhookRequests(`evt_${failed[0].id}`);
    expect(stack.verifyWebhook(refused)).toMatchObject({ type: WebhookEventType.SignFailed, data: { error: { code: ErrorCode.KeyUsageLimitReached } } });
    expect(((await stack.logEntryOf(succeeded[0].id)).policy?.usage as KeyUsageFacts[])[0]).toEqual(usages[0]);

    await expect(profileUsage()).resolves.toEqual([
      { keyIndex: 0, maxSignatures: LIMIT, used: LIMIT, remaining: 0, window: { length: '1h', max: 10, used: LIMIT, remaining: 10 - LIMIT } },
    ]);
  }, 90_000);
});
