import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { BatchRecord } from '@fleetsign/queue';
import { toProblem } from '../http/problem.filter';
import {
  batchCounts,
  batchState,
  buildBatchView,
  buildItemView,
  decodeItemsCursor,
  encodeItemsCursor,
} from './batch-view';

const record: BatchRecord = {
  batchId: 'batch_1',
  tenant: 'acme',
  profile: 'rel',
  total: 10,
  createdAt: '2026-01-01T00:00:00.000Z',
  requestHash: 'h',
  state: 'queued',
  enqueued: 10,
  succeeded: 0,
  failed: 0,
};

describe('batch counts and state', () => {
  it('adds up to the total, with unstarted items queued', () => {
    expect(batchCounts(record, 0)).toEqual({ queued: 10, active: 0, succeeded: 0, failed: 0 });
    expect(batchCounts({ ...record, succeeded: 3, failed: 1 }, 2)).toEqual({
      queued: 4,
      active: 2,
      succeeded: 3,
      failed: 1,
    });
    // A stale active entry never pushes the sum past the total.
    expect(batchCounts({ ...record, succeeded: 9, failed: 1 }, 1)).toEqual({
      queued: 0,
      active: 0,
      succeeded: 9,
      failed: 1,
    });
  });

  it('is queued until an item starts, running until the manifest is written, then completed', () => {
    expect(batchState(record, batchCounts(record, 0))).toBe('queued');
    expect(batchState(record, batchCounts(record, 1))).toBe('running');
    const allFinal = { ...record, succeeded: 8, failed: 2 };
    expect(batchState(allFinal, batchCounts(allFinal, 0))).toBe('running');
    expect(batchState({ ...allFinal, state: 'completed' }, batchCounts(allFinal, 0))).toBe('completed');
  });
});

describe('buildBatchView', () => {
  it('shows the manifest and finish time only once completed', () => {
    const running = buildBatchView({
      record: { ...record, succeeded: 5 },
      activeCount: 1,
      selfUrl: 'http://gw/v1/batches/batch_1',
    });
    expect(running).toMatchObject({
      state: 'running',
      progress: 0.5,
      links: { items: 'http://gw/v1/batches/batch_1/items' },
    });
    expect(running.manifest).toBeUndefined();
    const done = buildBatchView({
      record: {
        ...record,
        succeeded: 9,
        failed: 1,
        state: 'completed',
        finishedAt: '2026-01-01T01:00:00.000Z',
        manifestKey: 'batches/acme/batch_1/manifest.json',
      },
      activeCount: 0,
      selfUrl: 'http://gw/v1/batches/batch_1',
      manifestDownloadUrl: 'https://s3/manifest',
    });
    expect(done).toMatchObject({
      state: 'completed',
      progress: 1,
      finishedAt: '2026-01-01T01:00:00.000Z',
      manifest: { key: 'batches/acme/batch_1/manifest.json', downloadUrl: 'https://s3/manifest' },
    });
  });
});

describe('buildItemView', () => {
  const base = { index: 4, name: 'a.bin', sourceKey: 'incoming/acme/a.bin', active: false };

  it('reports queued, active, succeeded (with its download) and failed items', () => {
    expect(buildItemView(base, 'job_1')).toEqual({
      index: 4,
      name: 'a.bin',
      sourceKey: 'incoming/acme/a.bin',
      jobId: 'job_1',
      state: 'queued',
    });
    expect(buildItemView({ ...base, active: true }, 'job_1').state).toBe('active');
    const outcome = {
      state: 'succeeded' as const,
      signedKey: 's',
      imageSha256: 'i',
      signedSha256: 'x',
      blocks: [],
      reused: true,
    };
    expect(buildItemView({ ...base, outcome }, 'job_1', 'https://dl')).toMatchObject({
      state: 'succeeded',
      signedKey: 's',
      downloadUrl: 'https://dl',
      imageSha256: 'i',
      signedSha256: 'x',
      reused: true,
    });
    const failed = buildItemView(
      { ...base, outcome: { state: 'failed', error: { code: 'INVALID_IMAGE', message: 'bad' } } },
      'job_1',
    );
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'INVALID_IMAGE', message: 'bad' } });
    expect(failed.signedKey).toBeUndefined();
  });
});

describe('items cursor', () => {
  it('round-trips an index and refuses anything else', () => {
    expect(decodeItemsCursor(undefined)).toBe(0);
    expect(decodeItemsCursor(encodeItemsCursor(9_999))).toBe(9_999);
    for (const bad of [
      '',
      'x',
      Buffer.from('i-1').toString('base64url'),
      Buffer.from('j5').toString('base64url'),
      'a'.repeat(40),
    ]) {
      let thrown: unknown;
      try {
        decodeItemsCursor(bad);
      } catch (err) {
        thrown = err;
      }
      expect(toProblem(thrown)).toMatchObject({ status: 400, code: ErrorCode.ValidationFailed });
    }
    expect(() => decodeItemsCursor('!!')).toThrow(FleetSignError);
  });
});

describe('a batch held for approval', () => {
  it('is awaiting_approval while its approval is pending, and shows the approval after', () => {
    const approval = { state: 'pending' as const, required: 1, approved: 0, decisions: [], expiresAt: '2026-01-02T00:00:00.000Z' };
    const held = buildBatchView({ record: { ...record, enqueued: 0 }, activeCount: 0, selfUrl: 'u', approval });
    expect(held).toMatchObject({ state: 'awaiting_approval', approval, counts: { queued: 10 } });
    const released = buildBatchView({ record: { ...record, succeeded: 1 }, activeCount: 0, selfUrl: 'u', approval: { ...approval, state: 'approved' } });
    expect(released).toMatchObject({ state: 'running', approval: { state: 'approved' } });
  });
});
