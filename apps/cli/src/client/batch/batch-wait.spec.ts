import type { BatchView } from '@fleetsign/api';
import { StallWatch } from './batch-wait';

const batch = (over: Partial<BatchView>): BatchView => ({
  id: 'batch_1',
  state: 'queued',
  profile: 'p',
  total: 2,
  counts: { queued: 2, active: 0, succeeded: 0, failed: 0 },
  progress: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  links: { self: 'http://127.0.0.1/v1/batches/batch_1', items: 'http://127.0.0.1/v1/batches/batch_1/items' },
  ...over,
});

describe('StallWatch', () => {
  it('says a held batch awaits its approvers instead of blaming a missing signer', () => {
    let now = 0;
    const watch = new StallWatch(15_000, () => now);
    const held = batch({
      state: 'awaiting_approval',
      approval: { state: 'pending', required: 2, approved: 1, decisions: [], expiresAt: '2026-01-02T00:00:00.000Z' },
    });
    watch.observe(held);
    now = 60_000;
    expect(watch.observe(held)).toBe('awaiting approval: 1 of 2 approvals, expires 2026-01-02T00:00:00.000Z');
  });

  it('still reports a queued batch that does not move as stalled', () => {
    let now = 0;
    const watch = new StallWatch(15_000, () => now);
    watch.observe(batch({}));
    now = 16_000;
    expect(watch.observe(batch({}))).toMatch(/^nothing processed for .*no signer is taking jobs/);
  });
});
