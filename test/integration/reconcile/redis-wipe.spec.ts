import { createHash } from 'node:crypto';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '@fleetsign/devstack';
import { type BatchManifest, WebhookEventType, batchItemJobId, batchManifestKey, deterministicBatchId } from '@fleetsign/queue';
import { buildEspImage } from '@fleetsign/secure-boot';
import type { Redis } from 'ioredis';
import { runCli } from '../../../apps/cli/src/cli';
import { E2eStack } from '../../e2e/support/e2e-stack';
import type { SigningClient } from '../../e2e/support/signing-client';

// Redis loses everything (a wipe: every key of the deployment deleted) while a batch is
// half signed. The gateway finds the state marker gone when it starts again and
// re-creates the batch and the single jobs from their intake records in the object
// store; the signer answers the items the log already holds from their log entries and
// signs the rest. Every item ends signed, the manifest lists all, one batch.completed
// webhook is sent, the log verifies and holds one entry per job.

jest.setTimeout(180_000);

const ESP32_S3 = 9;
const PROFILE = 'release-rsa';
const ITEMS = 40;
/** Items signed before the wipe, at least. */
const SIGNED_BEFORE = 5;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Deletes every Redis key of the stack's prefix: what FLUSHALL does to a deployment's own Redis. */
async function wipeRedis(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
    if (cursor === '0') return deleted;
  }
  throw new Error('SCAN did not finish');
}

interface BatchView {
  state: string;
  total: number;
  counts: { queued: number; active: number; succeeded: number; failed: number };
  manifest?: { key: string };
}

interface ItemView {
  index: number;
  jobId: string;
  state: string;
  signedSha256?: string;
}

const stack = E2eStack.create('reconcile', 'fs', [{ name: PROFILE, scheme: 'sbv2-rsa3072', keys: ['rsa3072'] }], {
  scopes: ['sign', 'batch', 'read', 'operator'],
});
let client: SigningClient;

/** Runs `fleetsign` in this process against the stack's gateway. */
async function fleetsign(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text) };
  const code = await runCli([...args, '--url', client.baseUrl, '--api-key', stack.config.token], io);
  return { code, stdout, stderr };
}

async function batchView(id: string): Promise<{ status: number; body: BatchView }> {
  const res = await client.api(`/v1/batches/${id}`);
  return { status: res.status, body: (await res.json()) as BatchView };
}

async function items(id: string): Promise<ItemView[]> {
  const res = await client.api(`/v1/batches/${id}/items?limit=1000`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: ItemView[] }).items;
}

afterAll(() => stack.close());

describe('a Redis wipe during a batch', () => {
  it('loses no accepted item: the batch and the jobs are re-created from the store and finish once each', async () => {
    stack.env.FLEETSIGN_SIGNER_CONCURRENCY = '1';
    client = await stack.startAll();
    const webhookUrl = stack.webhookUrl('/hooks/batches');

    const images = Array.from({ length: ITEMS }, (_, i) => buildEspImage({ chipId: ESP32_S3, size: 64 * 1024, seed: 500 + i }));
    const uploads = [];
    for (const image of images) uploads.push(await client.upload(image));

    // A single job signed before the wipe, and one still queued when Redis goes.
    const doneJob = await client.submit(PROFILE, uploads[0].key, stack.webhookUrl('/hooks/jobs'));
    const doneView = await client.waitForSuccess(doneJob);

    const posted = await client.api('/v1/batches', {
      method: 'POST',
      json: { profile: PROFILE, items: uploads.map((upload, i) => ({ source: { key: upload.key }, name: `v${i}.bin` })), webhook: { url: webhookUrl } },
    });
    expect(posted.status).toBe(202);
    const batchId = ((await posted.json()) as { id: string }).id;
    const intake = JSON.parse((await stack.store.getBuffer(`${stack.env.FLEETSIGN_INTAKE_PREFIX}batches/${batchId}.json`)).toString()) as {
      items: Array<{ sha256?: string; size?: number }>;
    };
    // The declared digests and sizes are in the intake record: Redis forgets them.
    expect(intake.items[3]).toEqual(expect.objectContaining({ sha256: sha256(images[3]), size: images[3].length }));

    await pollUntil(async () => ((await batchView(batchId)).body.counts.succeeded >= SIGNED_BEFORE ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 10,
      description: `${SIGNED_BEFORE} items signed`,
    });
    await stack.signer?.close();
    const before = (await items(batchId)).filter((item) => item.state === 'succeeded');
    expect(before.length).toBeGreaterThanOrEqual(SIGNED_BEFORE);
    expect(before.length).toBeLessThan(ITEMS);
    const queuedJob = await client.submit(PROFILE, uploads[1].key);

    await stack.notifier?.close();
    await stack.gateway?.close();
    expect(await wipeRedis(stack.redis, stack.prefix)).toBeGreaterThan(0);

    // The gateway reconciles by itself at start-up; the batch answers again once it has.
    await stack.startGateway();
    client = stack.client();
    // Batches are reconciled first, then single jobs; the marker is written last.
    await pollUntil(async () => ((await stack.redis.exists(`${stack.prefix}:state-marker`)) === 1 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
      description: 'the reconcile step to finish',
    });
    expect((await batchView(batchId)).body).toMatchObject({ state: 'queued', total: ITEMS, counts: { succeeded: 0, queued: ITEMS } });
    const restoredJob = await stack.signQueue.getJob(queuedJob);
    expect(restoredJob?.data.source).toEqual({ key: uploads[1].key, sha256: sha256(images[1]), size: images[1].length });

    // The webhook receiver stays up (it is the customer's); only FleetSign's processes restart.
    const receiver = stack.receiver;
    if (!receiver) throw new Error('no webhook receiver');
    await stack.startSigner();
    await stack.startNotifier();
    await stack.receiver?.close();
    stack.receiver = receiver;
    const done = await pollUntil(
      async () => {
        const view = await batchView(batchId);
        return view.body.state === 'completed' ? view.body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, description: 'the batch to complete' },
    );
    expect(done.counts).toEqual({ queued: 0, active: 0, succeeded: ITEMS, failed: 0 });

    // Items signed before the wipe kept their signed file; none was signed twice.
    const after = await items(batchId);
    expect(after.map((item) => item.state)).toEqual(Array(ITEMS).fill('succeeded'));
    for (const item of before) expect(after[item.index].signedSha256).toBe(item.signedSha256);

    const manifest = JSON.parse((await stack.store.getBuffer(batchManifestKey(stack.tenant, batchId))).toString()) as BatchManifest;
    expect(manifest.counts).toEqual({ total: ITEMS, succeeded: ITEMS, failed: 0 });
    expect(manifest.items.map((item) => [item.index, item.jobId, item.state])).toEqual(
      Array.from({ length: ITEMS }, (_, i) => [i, batchItemJobId(batchId, i), 'succeeded']),
    );

    const [event, ...moreEvents] = await stack.webhookRequests(`evt_${batchId}`, 30_000);
    expect(moreEvents).toEqual([]);
    expect(stack.verifyWebhook(event)).toMatchObject({ type: WebhookEventType.BatchCompleted, data: { batchId, counts: { succeeded: ITEMS } } });

    // The single jobs are back: the one signed before answers from its log entry, the queued one is signed.
    const doneAgain = await client.waitForSuccess(doneJob, 30_000);
    expect(doneAgain.result.log.index).toBe(doneView.result.log.index);
    expect(doneAgain.result.signedSha256).toBe(doneView.result.signedSha256);
    await client.waitForSuccess(queuedJob, 30_000);

    // The whole log verifies and holds exactly one entry per job.
    const entries = await stack.logEntries();
    const jobIds = entries.map((entry) => entry.jobId);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    expect(jobIds.sort()).toEqual([doneJob, queuedJob, ...manifest.items.map((item) => item.jobId)].sort());

    // Running it again (fleetsign admin reconcile, the operator's way) changes nothing.
    const json = await fleetsign(['admin', 'reconcile', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      batches: { seen: 1, intact: 1, restored: 0, resumed: 0 },
      items: { enqueued: 0 },
      jobs: { seen: 2, intact: 2, restored: 0 },
      problems: [],
    });
    const lines = await fleetsign(['admin', 'reconcile']);
    expect(lines).toMatchObject({ code: 0, stderr: '' });
    expect(lines.stdout).toContain('Batches: 1 accepted; 0 re-created, 0 enqueue completed, 1 intact');
    expect(lines.stdout).toContain('Single jobs: 2 accepted; 0 re-created (0 already in the log), 2 intact');

    // A record that cannot be read is reported (exit 1); the others are still reconciled.
    await stack.store.put(`${stack.env.FLEETSIGN_INTAKE_PREFIX}jobs/job_unreadable.json`, Buffer.from('{"version":1,'));
    const unreadable = await fleetsign(['admin', 'reconcile']);
    expect(unreadable.code).toBe(1);
    expect(unreadable.stdout).toContain(`Unreadable intake record ${stack.env.FLEETSIGN_INTAKE_PREFIX}jobs/job_unreadable.json`);
    expect(unreadable.stdout).toContain('Single jobs: 3 accepted; 0 re-created (0 already in the log), 2 intact');
  });

  it('adds back the item jobs Redis lost while it kept the batch record', async () => {
    await stack.signer?.close();
    const images = Array.from({ length: 6 }, (_, i) => buildEspImage({ chipId: ESP32_S3, size: 8 * 1024, seed: 700 + i }));
    const uploads = [];
    for (const image of images) uploads.push(await client.upload(image));
    const posted = await client.api('/v1/batches', {
      method: 'POST',
      json: { profile: PROFILE, items: uploads.map((upload) => ({ source: { key: upload.key } })) },
    });
    expect(posted.status).toBe(202);
    const batchId = ((await posted.json()) as { id: string }).id;
    for (const index of [1, 4]) await (await stack.signQueue.getJob(batchItemJobId(batchId, index)))?.remove();

    const report = await fleetsign(['admin', 'reconcile', '--json']);
    expect(report.code).toBe(1); // the unreadable record of the first test is still there
    expect(JSON.parse(report.stdout)).toMatchObject({ batches: { resumed: 1, restored: 0 }, items: { enqueued: 2, logged: 0 } });
    expect(await stack.signQueue.getJob(batchItemJobId(batchId, 4))).toBeDefined();

    await stack.startSigner();
    const done = await pollUntil(
      async () => {
        const view = await batchView(batchId);
        return view.body.state === 'completed' ? view.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: 'the batch to complete' },
    );
    expect(done.counts).toEqual({ queued: 0, active: 0, succeeded: 6, failed: 0 });
  });

  it('answers 503 and accepts nothing while the store cannot keep the intake record', async () => {
    const root = join(stack.config.dir, 'objects');
    const upload = await client.upload(buildEspImage({ chipId: ESP32_S3, size: 8 * 1024, seed: 999 }));
    renameSync(root, `${root}.away`);
    let res: Response;
    try {
      res = await client.api('/v1/batches', {
        method: 'POST',
        headers: { 'idempotency-key': 'store-away-1' },
        json: { profile: PROFILE, items: [{ source: { key: upload.key } }] },
      });
    } finally {
      renameSync(`${root}.away`, root);
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    // Nothing was accepted: no batch record and no intake record under that key's id.
    const keys: string[] = [];
    for await (const key of stack.store.list(`${stack.env.FLEETSIGN_INTAKE_PREFIX}batches/`)) keys.push(key);
    expect(keys).toHaveLength(2);
    expect((await client.api(`/v1/batches/${deterministicBatchId(stack.tenant, 'store-away-1')}`)).status).toBe(404);
  });
});
