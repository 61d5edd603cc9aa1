import type { SignJobData, SignJobResult } from '@fleetsign/queue';
import { apiJobState, buildJobView, heldJobView, webhookView } from './job-view';

const data: SignJobData = {
  tenant: 'acme',
  profile: 'rel-rsa',
  source: { key: 'incoming/acme/a.bin', size: 4096 },
  signedKey: 'signed/acme/job_1.bin',
  requestedAt: '2026-01-02T03:04:05.000Z',
};
const result: SignJobResult = {
  imageSha256: 'aa'.repeat(32),
  signedSha256: 'bb'.repeat(32),
  signedKey: 'signed/acme/job_1.bin',
  signedSize: 8192,
  signedDataLength: 4096,
  scheme: 'sbv2-rsa3072',
  blocks: [{ index: 0, algorithm: 'rsa3072', keyDigest: 'cc'.repeat(32) }],
  log: { index: 0, leafHash: '00'.repeat(32) },
  timings: { fetchMs: 1, signMs: 2, storeMs: 3, totalMs: 6 },
};

describe('apiJobState', () => {
  it('reports a waiting job that failed an attempt as retrying', () => {
    for (const state of ['waiting', 'delayed', 'prioritized'] as const) expect(apiJobState(state, 2)).toBe('retrying');
    expect(apiJobState('active', 2)).toBe('active');
    expect(apiJobState('failed', 2)).toBe('failed');
  });

  it('shows the fault a retrying job waits out', () => {
    const view = buildJobView({
      id: 'job_1',
      selfUrl: '/v1/jobs/job_1',
      job: { data, timestamp: 0, attemptsMade: 3, failedReason: '{"code":"STORAGE_ERROR","message":"fs storage get failed"}' },
      state: 'delayed',
    });
    expect(view).toMatchObject({ state: 'retrying', attempts: 3, error: { code: 'STORAGE_ERROR', message: 'fs storage get failed' } });
  });

  it('maps every BullMQ state onto the four API states', () => {
    expect(apiJobState('completed')).toBe('succeeded');
    expect(apiJobState('failed')).toBe('failed');
    expect(apiJobState('active')).toBe('active');
    for (const state of ['waiting', 'delayed', 'prioritized', 'waiting-children', 'unknown'] as const) {
      expect(apiJobState(state)).toBe('queued');
    }
  });
});

describe('webhookView', () => {
  const target = { url: 'https://h.example.com', eventId: 'evt_job_1' };

  it('is pending until the event job exists, then follows it', () => {
    expect(webhookView(target, undefined)).toEqual({ ...target, state: 'pending', attempts: 0 });
    expect(webhookView(target, { state: 'delayed', attemptsMade: 2, failedReason: 'HTTP 500' })).toEqual({
      ...target,
      state: 'pending',
      attempts: 2,
      lastError: 'HTTP 500',
    });
    expect(webhookView(target, { state: 'completed', attemptsMade: 3 })).toMatchObject({ state: 'delivered' });
    expect(webhookView(target, { state: 'failed', attemptsMade: 10, failedReason: '{"code":"WEBHOOK_DELIVERY_FAILED","message":"timeout"}' })).toMatchObject({
      state: 'failed',
      lastError: 'timeout',
    });
  });
});

describe('buildJobView', () => {
  const base = { id: 'job_1', selfUrl: 'http://gw/v1/jobs/job_1' };

  it('shows a queued job without finish time, error or result', () => {
    const view = buildJobView({ ...base, job: { data, timestamp: 0, attemptsMade: 0 }, state: 'waiting' });
    expect(view).toEqual({
      id: 'job_1',
      state: 'queued',
      profile: 'rel-rsa',
      createdAt: data.requestedAt,
      attempts: 0,
      links: { self: base.selfUrl },
    });
  });

  it('shows who asked and the policy facts the signing was decided on', () => {
    const policy = {
      requester: 'ci-main',
      app: { projectName: 'door-lock', version: '2.0.1', secureVersion: 3, idfVersion: 'v5.5.1', buildDate: 'Jan  1 2026', buildTime: '12:00:00' },
    };
    const view = buildJobView({
      ...base,
      job: { data: { ...data, requester: 'ci-main' }, timestamp: 0, attemptsMade: 1, finishedOn: 1, returnvalue: { ...result, policy } },
      state: 'completed',
      download: { url: 'https://s3/signed', expiresAt: '2026-01-02T04:00:00.000Z' },
    });
    expect(view.requester).toBe('ci-main');
    expect(view.result?.policy).toEqual(policy);
  });

  it('shows the result and download link of a succeeded job', () => {
    const view = buildJobView({
      ...base,
      job: { data, timestamp: 0, attemptsMade: 1, finishedOn: Date.UTC(2026, 0, 2), returnvalue: result },
      state: 'completed',
      download: { url: 'https://s3/signed', expiresAt: '2026-01-02T04:00:00.000Z' },
    });
    expect(view.state).toBe('succeeded');
    expect(view.finishedAt).toBe('2026-01-02T00:00:00.000Z');
    expect(view.result).toMatchObject({ downloadUrl: 'https://s3/signed', blocks: result.blocks, signedSha256: result.signedSha256 });
    expect(view.error).toBeUndefined();
  });

  it('shows the error of a failed job and no result', () => {
    const view = buildJobView({
      ...base,
      job: { data, timestamp: 0, attemptsMade: 1, finishedOn: 1, failedReason: '{"code":"INVALID_IMAGE","message":"bad magic"}' },
      state: 'failed',
    });
    expect(view).toMatchObject({ state: 'failed', error: { code: 'INVALID_IMAGE', message: 'bad magic' } });
    expect(view.result).toBeUndefined();
  });
});

describe('heldJobView', () => {
  const approval = { state: 'pending' as const, required: 2, approved: 1, decisions: [{ approver: 'alice', decision: 'approve' as const, at: 't' }], expiresAt: '2026-01-03T00:00:00.000Z' };

  it('shows a job held for approval as awaiting_approval with its approvals so far and expiry', () => {
    expect(heldJobView('job_1', 'http://gw/v1/jobs/job_1', { ...data, requester: 'ci' }, approval)).toEqual({
      id: 'job_1',
      state: 'awaiting_approval',
      profile: 'rel-rsa',
      requester: 'ci',
      createdAt: data.requestedAt,
      attempts: 0,
      approval,
      links: { self: 'http://gw/v1/jobs/job_1' },
    });
  });

  it('shows an ended approval whose job is not enqueued yet as queued', () => {
    expect(heldJobView('job_1', 'u', data, { ...approval, state: 'approved' }).state).toBe('queued');
  });
});
