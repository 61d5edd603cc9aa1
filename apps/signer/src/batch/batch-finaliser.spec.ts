import { type BatchItemStore, type FinishedItem, type BatchJobData, type BatchManifest, type BatchRecord, type FleetSignJob, type QueueName, type WebhookJobData, UnrecoverableError } from '@fleetsign/queue';
import pino from 'pino';
import { createBatchFinaliser } from './batch-finaliser';

const record: BatchRecord = {
  batchId: 'batch_1',
  tenant: 'acme',
  profile: 'rel',
  total: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  requestHash: 'h',
  state: 'queued',
  enqueued: 2,
  succeeded: 1,
  failed: 1,
  lastItemAt: '2026-01-01T00:10:00.000Z',
  webhookUrl: 'https://h.example.com/x',
};

const items: FinishedItem[] = [
  {
    index: 0,
    name: 'a.bin',
    sourceKey: 'incoming/acme/a.bin',
    outcome: { state: 'succeeded', signedKey: 's', imageSha256: 'i', signedSha256: 'x', blocks: [] },
  },
  {
    index: 1,
    name: 'b.bin',
    sourceKey: 'incoming/acme/b.bin',
    outcome: { state: 'failed', error: { code: 'INVALID_IMAGE', message: 'bad' } },
  },
];

const data: BatchJobData = {
  batchId: 'batch_1',
  tenant: 'acme',
  profile: 'rel',
  counts: { total: 2 },
  manifestKey: 'batches/acme/batch_1/manifest.json',
  requestedAt: record.createdAt,
  webhook: { url: 'https://h.example.com/x', eventId: 'evt_batch_1' },
};

function setup(initial: BatchRecord | null = record) {
  let current = initial ? { ...initial } : undefined;
  const manifests: string[] = [];
  const events: Array<{ data: WebhookJobData; jobId?: string }> = [];
  const store = {
    record: async () => current,
    finishedItems: async (_id: string, start: number, count: number) => items.slice(start, start + count),
    markCompleted: jest.fn(async (_id: string, manifestKey: string) => {
      if (current) current = { ...current, state: 'completed', manifestKey };
    }),
    markEventEnqueued: jest.fn(async () => {
      if (current) current = { ...current, eventEnqueued: true };
    }),
  };
  const finalise = createBatchFinaliser({
    items: store as unknown as BatchItemStore,
    store: {
      put: async (_key, body) => {
        let text = '';
        for await (const chunk of body as AsyncIterable<Buffer>) text += chunk.toString('utf8');
        manifests.push(text);
        return { size: text.length };
      },
    },
    webhookQueue: {
      add: async (_name: string, event: WebhookJobData, opts: { jobId?: string }) =>
        events.push({ data: event, jobId: opts.jobId }),
    } as never,
    fleet: { profiles: [{ name: 'rel', scheme: 'sbv2-ecdsa-p256' }] as never },
    logger: pino({ level: 'silent' }),
  });
  const run = (jobData: BatchJobData = data) =>
    finalise({ data: jobData } as FleetSignJob<QueueName.Batch>, 'token');
  return { run, manifests, events, store };
}

describe('batch finaliser', () => {
  it('writes the manifest, marks the batch completed and enqueues its one event', async () => {
    const { run, manifests, events, store } = setup();
    const result = await run();
    expect(result).toEqual({
      batchId: 'batch_1',
      tenant: 'acme',
      profile: 'rel',
      counts: { total: 2, succeeded: 1, failed: 1 },
      manifestKey: data.manifestKey,
    });
    const manifest = JSON.parse(manifests[0]) as BatchManifest;
    expect(manifest).toMatchObject({
      batchId: 'batch_1',
      scheme: 'sbv2-ecdsa-p256',
      completedAt: record.lastItemAt,
      counts: { total: 2, succeeded: 1, failed: 1 },
    });
    expect(manifest.items.map((item) => item.state)).toEqual(['succeeded', 'failed']);
    expect(store.markCompleted).toHaveBeenCalledWith('batch_1', data.manifestKey);
    expect(events).toEqual([
      {
        jobId: 'evt_batch_1',
        data: {
          eventId: 'evt_batch_1',
          tenant: 'acme',
          url: 'https://h.example.com/x',
          type: 'batch.completed',
          batchId: 'batch_1',
          payload: { ...result, state: 'completed' },
        },
      },
    ]);
  });

  it('names the API key that submitted the batch in the result, the manifest and the event', async () => {
    const { run, manifests, events } = setup({ ...record, requester: 'ci-main' });
    expect(await run()).toMatchObject({ requester: 'ci-main' });
    expect(JSON.parse(manifests[0])).toMatchObject({ requester: 'ci-main' });
    expect(events[0].data.payload).toMatchObject({ requester: 'ci-main', state: 'completed' });
  });

  it('does nothing more when run again after its event was enqueued', async () => {
    const { run, manifests, events } = setup();
    await run();
    await run();
    expect(manifests).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('writes the manifest without an event when the batch has no webhook', async () => {
    const { run, manifests, events } = setup({ ...record, webhookUrl: undefined });
    const { webhook: _webhook, ...withoutWebhook } = data;
    await run(withoutWebhook);
    await run(withoutWebhook);
    expect(manifests).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('retries while items are still running, and gives up on a batch that is gone', async () => {
    await expect(setup({ ...record, failed: 0 }).run()).rejects.not.toBeInstanceOf(UnrecoverableError);
    await expect(setup(null).run()).rejects.toBeInstanceOf(UnrecoverableError);
  });
});
