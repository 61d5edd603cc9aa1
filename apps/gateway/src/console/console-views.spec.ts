import type { SignJobData, SignJobResult } from '@fleetsign/queue';
import type { JobSnapshot } from '../jobs/job-view';
import { consoleJobRow, throughputOf } from './console-views';

const data: SignJobData = {
  tenant: 'acme',
  profile: 'rel',
  source: { key: 'incoming/acme/a.bin', sha256: 'a'.repeat(64), size: 10 },
  signedKey: 'signed/acme/job_1.bin',
  requestedAt: '2026-01-01T00:00:00.000Z',
  batchId: 'batch_1',
  batchIndex: 3,
};
const snapshot = (extra: Partial<JobSnapshot<SignJobData, SignJobResult>>): JobSnapshot<SignJobData, SignJobResult> => ({
  id: 'job_1',
  data,
  timestamp: Date.parse('2026-01-01T00:00:00.000Z'),
  attemptsMade: 1,
  ...extra,
});

describe('console views', () => {
  it('shows a failed job with its code, its batch and the uploaded digest, and nothing of its storage keys', () => {
    const row = consoleJobRow(
      snapshot({ finishedOn: Date.parse('2026-01-01T00:00:02.000Z'), failedReason: JSON.stringify({ code: 'INVALID_IMAGE', message: 'bad magic' }) }),
      'failed',
    );
    expect(row).toEqual({
      id: 'job_1',
      tenant: 'acme',
      profile: 'rel',
      state: 'failed',
      createdAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:02.000Z',
      attempts: 1,
      batchId: 'batch_1',
      batchIndex: 3,
      sourceSha256: 'a'.repeat(64),
      error: { code: 'INVALID_IMAGE', message: 'bad magic' },
    });
    expect(JSON.stringify(row)).not.toContain('incoming/');
  });

  it('reports a crash without its text and a queued job without a finish time', () => {
    expect(consoleJobRow(snapshot({ failedReason: 'TypeError at /srv/x.js' }), 'failed').error).toEqual({
      code: 'INTERNAL',
      message: 'The signer failed with an unexpected error',
    });
    expect(consoleJobRow(snapshot({ finishedOn: 5 }), 'prioritized')).not.toHaveProperty('finishedAt');
  });

  it('measures throughput and failures by code over the window only', () => {
    const now = Date.parse('2026-01-01T00:10:00.000Z');
    const row = (state: 'succeeded' | 'failed', finishedAt: string, code?: string) => ({
      id: 'j',
      tenant: 't',
      profile: 'p',
      state,
      createdAt: finishedAt,
      finishedAt,
      attempts: 1,
      ...(code ? { error: { code, message: '' } } : {}),
    });
    const rows = [
      row('succeeded', '2026-01-01T00:09:00.000Z'),
      row('failed', '2026-01-01T00:08:00.000Z', 'CHIP_SCHEME_MISMATCH'),
      row('failed', '2026-01-01T00:07:00.000Z', 'CHIP_SCHEME_MISMATCH'),
      row('failed', '2026-01-01T00:01:00.000Z', 'INVALID_IMAGE'),
    ];
    expect(throughputOf(rows, now, 5 * 60_000)).toEqual({
      windowSec: 300,
      succeeded: 1,
      failed: 2,
      perMinute: 0.6,
      failuresByCode: { CHIP_SCHEME_MISMATCH: 2 },
    });
  });
});
