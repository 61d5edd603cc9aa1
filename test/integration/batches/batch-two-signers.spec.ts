import type { Signer } from '../../../apps/signer/src';
import { BatchStack, EC_PROFILE } from './batch-stack';

// Two signers on one queue share a batch: every item is signed exactly once (one HSM
// signing and one log entry per item), and the batch completes once.

jest.setTimeout(120_000);

async function signings(signer: Signer): Promise<number> {
  const metric = await signer.metrics.signDuration.get();
  return metric.values
    .filter((v) => v.metricName === 'fleetsign_signer_sign_duration_seconds_count')
    .reduce((sum, v) => sum + v.value, 0);
}

describe('a batch on two signers', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    stack = await BatchStack.start();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('signs each item once', async () => {
    const count = 60;
    const keys = await stack.putImages(stack.tenantA, count, 50_000);
    const posted = await stack.postBatch(stack.tokenA, {
      profile: EC_PROFILE,
      items: keys.map((key) => ({ source: { key } })),
      webhook: { url: 'https://hooks.example.com/b' },
    });
    expect(posted.status).toBe(202);
    const batchId = posted.body.id as string;
    const signers = [await stack.startSigner(3), await stack.startSigner(3)];

    const done = await stack.completed(stack.tokenA, batchId);
    expect(done.counts).toEqual({ queued: 0, active: 0, succeeded: count, failed: 0 });

    const perSigner = await Promise.all(signers.map(signings));
    expect(perSigner.reduce((sum, n) => sum + n, 0)).toBe(count);

    const items = await stack.allItems(stack.tokenA, batchId);
    // The whole log verifies (gap-free, every group consistent) with both signers appending.
    const entries = await stack.log.entries(stack.store);
    const batchRecords = entries.filter((entry) => entry.batch?.id === batchId);
    expect(batchRecords).toHaveLength(count);
    expect(new Set(batchRecords.map((r) => r.jobId))).toEqual(new Set(items.map((item) => item.jobId)));
    expect(new Set(batchRecords.map((r) => r.signed.sha256)).size).toBe(count);
    expect(entries).toHaveLength(count);

    // One completion job and one batch event, whichever signer counted the last item.
    expect((await stack.batchQueue.getJobCounts('completed')).completed).toBe(1);
    const events = await stack.webhookQueue.getJobs([
      'waiting',
      'prioritized',
      'delayed',
      'active',
      'completed',
      'failed',
    ]);
    expect(events.map((job) => job.id)).toEqual([`evt_${batchId}`]);
  });
});
