import type { BatchItemStore, RecordedOutcome, BatchItemOutcome, BatchJobData, BatchRecord, SignJobResult } from '@fleetsign/queue';
import pino from 'pino';
import {
  BatchAccounting,
  batchItemOf,
  failedOutcome,
  succeededOutcome,
} from './batch-accounting';

const record: BatchRecord = {
  batchId: 'batch_1',
  tenant: 'acme',
  profile: 'rel',
  total: 2,
  createdAt: '2026-01-01T00:00:00.000Z',
  requestHash: 'h',
  state: 'queued',
  enqueued: 2,
  succeeded: 0,
  failed: 0,
  webhookUrl: 'https://h.example.com/x',
};

/** Item store double: counts each index once, like the Redis script. */
function fakeItems(total = 2, exists = true) {
  const outcomes = new Map<number, BatchItemOutcome>();
  const active = new Set<number>();
  const store = {
    outcomes,
    active,
    markActive: jest.fn(async (_batchId: string, index: number) => {
      if (!outcomes.has(index)) active.add(index);
    }),
    recordOutcome: jest.fn(
      async (
        _batchId: string,
        _tenant: string,
        index: number,
        outcome: BatchItemOutcome,
      ): Promise<RecordedOutcome> => {
        if (!exists) return { counted: false, batchExists: false, final: 0, total: 0 };
        const counted = !outcomes.has(index);
        if (counted) outcomes.set(index, outcome);
        active.delete(index);
        return { counted, batchExists: true, final: outcomes.size, total };
      },
    ),
    record: jest.fn(async () => record),
  };
  return store;
}

function setup(items = fakeItems()) {
  const added: Array<{ data: BatchJobData; jobId?: string }> = [];
  const batchQueue = {
    add: jest.fn(async (_name: string, data: BatchJobData, opts: { jobId?: string }) =>
      added.push({ data, jobId: opts.jobId }),
    ),
  };
  const accounting = new BatchAccounting({
    items: items as unknown as BatchItemStore,
    batchQueue: batchQueue as never,
    logger: pino({ level: 'silent' }),
  });
  return { accounting, items, added };
}

const item = (index: number) => ({
  id: `job_${index}`,
  data: { tenant: 'acme', batchId: 'batch_1', batchIndex: index },
});
const result: SignJobResult = {
  imageSha256: 'i',
  signedSha256: 's',
  signedKey: 'signed/acme/job_0.bin',
  signedSize: 8192,
  signedDataLength: 4096,
  scheme: 'sbv2-ecdsa-p256',
  blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: 'k' }],
  log: { index: 0, leafHash: '00'.repeat(32) },
  timings: { fetchMs: 1, signMs: 1, storeMs: 1, totalMs: 3 },
};

describe('batch item helpers', () => {
  it('knows batch items from single jobs', () => {
    expect(batchItemOf(item(3))).toEqual({ batchId: 'batch_1', index: 3 });
    expect(batchItemOf({ data: { tenant: 'acme' } })).toBeUndefined();
    expect(batchItemOf({ data: { tenant: 'acme', batchId: 'batch_1' } })).toBeUndefined();
    expect(batchItemOf({ data: { tenant: 'acme', batchId: 'batch_1', batchIndex: -1 } })).toBeUndefined();
  });

  it('keeps only what the item report needs', () => {
    expect(succeededOutcome(result)).toEqual({
      state: 'succeeded',
      signedKey: result.signedKey,
      imageSha256: 'i',
      signedSha256: 's',
      blocks: result.blocks,
      log: result.log,
    });
    expect(succeededOutcome({ ...result, reused: true })).toMatchObject({ reused: true });
    expect(failedOutcome({ code: 'INVALID_IMAGE', message: 'bad' })).toEqual({
      state: 'failed',
      error: { code: 'INVALID_IMAGE', message: 'bad' },
    });
  });
});

describe('BatchAccounting', () => {
  it('ignores single jobs', async () => {
    const { accounting, items, added } = setup();
    await accounting.started({ data: { tenant: 'acme' } });
    await accounting.finished({ data: { tenant: 'acme' } }, succeededOutcome(result));
    expect(items.markActive).not.toHaveBeenCalled();
    expect(items.recordOutcome).not.toHaveBeenCalled();
    expect(added).toEqual([]);
  });

  it('schedules the completion only when the last item becomes final, with the batch id as job id', async () => {
    const { accounting, items, added } = setup();
    await accounting.started(item(0));
    expect(items.active.has(0)).toBe(true);
    await accounting.finished(item(0), succeededOutcome(result));
    expect(added).toEqual([]);
    await accounting.finished(item(1), failedOutcome({ code: 'INVALID_IMAGE', message: 'bad' }));
    expect(added).toEqual([
      {
        jobId: 'batch_1',
        data: {
          batchId: 'batch_1',
          tenant: 'acme',
          profile: 'rel',
          counts: { total: 2 },
          manifestKey: 'batches/acme/batch_1/manifest.json',
          requestedAt: record.createdAt,
          webhook: { url: 'https://h.example.com/x', eventId: 'evt_batch_1' },
        },
      },
    ]);
  });

  it('counts a repeated delivery once, yet schedules the completion again (the first call may have died before)', async () => {
    const { accounting, items, added } = setup();
    await accounting.finished(item(0), succeededOutcome(result));
    await accounting.finished(item(0), failedOutcome({ code: 'INTERNAL', message: 'late' }));
    expect(items.outcomes.get(0)?.state).toBe('succeeded');
    await accounting.finished(item(1), succeededOutcome(result));
    await accounting.finished(item(1), succeededOutcome(result));
    expect(added).toHaveLength(2);
    expect(new Set(added.map((a) => a.jobId))).toEqual(new Set(['batch_1']));
    // A repeat of a finished item does not make it active again.
    await accounting.started(item(1));
    expect(items.active.size).toBe(0);
  });

  it('does nothing more for an item of a batch whose record expired', async () => {
    const { accounting, added } = setup(fakeItems(2, false));
    await accounting.finished(item(0), succeededOutcome(result));
    expect(added).toEqual([]);
  });
});
