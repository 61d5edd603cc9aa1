import { createHash, randomUUID } from 'node:crypto';
import { ErrorCode } from '@fleetsign/errors';
import {
  type FleetSignWorker,
  QueueName,
  type SignJobResult,
  UnrecoverableError,
  WebhookEventType,
  createRedisConnection,
  createWorker,
  encodeFailureReason,
} from '@fleetsign/queue';
import type { Redis } from 'ioredis';
import { requireTestEnv } from '../../support/test-env';
import { PROFILES, type GatewayHarness, pollUntil, startGatewayHarness } from './gateway-harness';

// GET /v1/jobs/:id while a BullMQ worker in the test plays the signer (and the
// notifier): it completes, fails or holds each job as its metadata asks.

interface JobBody {
  id: string;
  state: string;
  profile: string;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  error?: { code: string; message: string };
  result?: SignJobResult & { downloadUrl: string };
  webhook?: { url: string; eventId: string; state: string; attempts: number; lastError?: string };
}

describe('gateway GET /v1/jobs/:id', () => {
  let h: GatewayHarness;
  let sourceKey: string;
  let connection: Redis;
  const workers: Array<FleetSignWorker<QueueName>> = [];
  const signedBytes = Buffer.alloc(12288, 0x5a);
  let releaseHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));

  beforeAll(async () => {
    h = await startGatewayHarness();
    sourceKey = `incoming/${h.tenantA}/${randomUUID()}.bin`;
    await h.store.put(sourceKey, Buffer.alloc(4096, 1));
    connection = createRedisConnection(requireTestEnv('redisUrl'), 'worker');
  });
  afterAll(async () => {
    releaseHeld();
    await Promise.all(workers.map((worker) => worker.close()));
    await connection?.quit();
    await h?.close();
  });

  function startWorkers(): void {
    if (workers.length) return;
    const sign = createWorker(
      QueueName.Sign,
      async (job) => {
        const outcome = job.data.metadata?.outcome;
        if (outcome === 'hold') await held;
        if (outcome === 'invalid-image') {
          throw new UnrecoverableError(JSON.stringify({ code: ErrorCode.InvalidImage, message: 'bad magic byte 0x00' }));
        }
        if (outcome === 'crash') throw new UnrecoverableError('TypeError at /srv/signer/internal.js:12');
        if (outcome === 'store-outage' && job.attemptsMade === 0) {
          throw new Error(encodeFailureReason({ code: ErrorCode.StorageError, message: 'fs storage get failed: ENOENT' }));
        }
        await h.store.put(job.data.signedKey, signedBytes);
        if (job.data.webhook) {
          await h.webhookQueue.add(
            QueueName.Webhook,
            {
              eventId: job.data.webhook.eventId,
              tenant: job.data.tenant,
              url: job.data.webhook.url,
              type: WebhookEventType.SignCompleted,
              payload: { jobId: job.id as string },
              jobId: job.id,
            },
            { jobId: job.data.webhook.eventId, attempts: 1 },
          );
        }
        return {
          imageSha256: 'ab'.repeat(32),
          signedSha256: createHash('sha256').update(signedBytes).digest('hex'),
          signedKey: job.data.signedKey,
          signedSize: signedBytes.length,
          signedDataLength: 8192,
          scheme: 'sbv2-rsa3072',
          blocks: [{ index: 0, algorithm: 'rsa3072', keyDigest: 'cd'.repeat(32) }],
          log: { index: 0, leafHash: '00'.repeat(32) },
          timings: { fetchMs: 1, signMs: 2, storeMs: 3, totalMs: 6 },
        };
      },
      // A first retry 3 s later leaves time to see the job waiting for it.
      { connection, prefix: h.prefix, concurrency: 4, retry: { horizonMs: 60_000, firstDelayMs: 3_000, maxDelayMs: 3_000 } },
    );
    const webhook = createWorker(
      QueueName.Webhook,
      async (job) => {
        if (job.data.url.includes('refuses')) throw new Error('receiver answered HTTP 500');
        return { statusCode: 204, deliveredAt: new Date().toISOString() };
      },
      { connection, prefix: h.prefix, concurrency: 2 },
    );
    workers.push(sign as FleetSignWorker<QueueName>, webhook as FleetSignWorker<QueueName>);
  }

  async function submit(outcome: string, webhookUrl?: string): Promise<string> {
    const res = await h.api('/v1/jobs', {
      method: 'POST',
      token: h.tokenA,
      json: { profile: PROFILES.rsa, source: { key: sourceKey }, metadata: { outcome }, ...(webhookUrl ? { webhook: { url: webhookUrl } } : {}) },
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  }

  const read = async (id: string, token = h.tokenA) => {
    const res = await h.api(`/v1/jobs/${id}`, { token });
    return { status: res.status, body: (await res.json()) as JobBody };
  };
  const settle = (id: string, state: string) => pollUntil(() => read(id), (r) => r.body.state === state);

  it('walks a job through queued, active and succeeded, with a working download URL', async () => {
    const heldId = await submit('hold');
    const okId = await submit('ok', 'https://hooks.example.com/ok');
    const queued = await read(okId);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ id: okId, state: 'queued', profile: PROFILES.rsa, attempts: 0 });
    expect(queued.body.finishedAt).toBeUndefined();
    expect(queued.body.webhook).toEqual({
      url: 'https://hooks.example.com/ok',
      eventId: `evt_${okId}`,
      state: 'pending',
      attempts: 0,
    });

    startWorkers();
    expect((await settle(heldId, 'active')).body.state).toBe('active');

    const done = await settle(okId, 'succeeded');
    expect(done.body.finishedAt).toEqual(expect.any(String));
    expect(done.body.result).toMatchObject({
      signedKey: `signed/${h.tenantA}/${okId}.bin`,
      signedSize: signedBytes.length,
      blocks: [{ index: 0, algorithm: 'rsa3072', keyDigest: 'cd'.repeat(32) }],
      timings: { totalMs: 6 },
    });
    const download = await fetch(done.body.result!.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(signedBytes)).toBe(true);

    const delivered = await pollUntil(() => read(okId), (r) => r.body.webhook?.state === 'delivered');
    expect(delivered.body.webhook).toMatchObject({ state: 'delivered', attempts: 1 });

    releaseHeld();
    expect((await settle(heldId, 'succeeded')).body.state).toBe('succeeded');
  });

  it('reports a permanent failure with the signer reason, and a failed webhook delivery', async () => {
    startWorkers();
    const id = await submit('invalid-image');
    const failed = await settle(id, 'failed');
    expect(failed.body.error).toEqual({ code: ErrorCode.InvalidImage, message: 'bad magic byte 0x00' });
    expect(failed.body.result).toBeUndefined();
    expect(failed.body.attempts).toBe(1);

    const hookId = await submit('ok', 'https://refuses.example.com/hook');
    const hookFailed = await pollUntil(() => read(hookId), (r) => r.body.webhook?.state === 'failed');
    expect(hookFailed.body.state).toBe('succeeded');
    expect(hookFailed.body.webhook).toMatchObject({ state: 'failed', attempts: 1, lastError: 'receiver answered HTTP 500' });
  });

  it('shows a job waiting out an infrastructure fault as retrying, with the fault, until it succeeds', async () => {
    startWorkers();
    const id = await submit('store-outage');
    const retrying = await settle(id, 'retrying');
    expect(retrying.body).toMatchObject({ attempts: 1, error: { code: ErrorCode.StorageError, message: 'fs storage get failed: ENOENT' } });
    const succeeded = await settle(id, 'succeeded');
    expect(succeeded.body.attempts).toBe(2);
    expect(succeeded.body.error).toBeUndefined();
  });

  it('hides the text of an unexpected failure', async () => {
    startWorkers();
    const id = await submit('crash');
    const failed = await settle(id, 'failed');
    expect(failed.body.error?.code).toBe(ErrorCode.Internal);
    expect(failed.body.error?.message).not.toContain('/srv/signer');
  });

  it("answers 404 for unknown ids and for another tenant's job", async () => {
    const id = await submit('ok');
    const other = await read(id, h.tokenB);
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: ErrorCode.NotFound });
    const unknown = await read(`job_${'0'.repeat(32)}`);
    expect(unknown.status).toBe(404);
    const garbage = await read('..%2F..%2Fetc');
    expect(garbage.status).toBe(404);
  });
});
