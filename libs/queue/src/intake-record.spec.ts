import { type BatchIntakeRecord, IntakeLayout, type JobIntakeRecord, decodeIntakeRecord, encodeIntakeRecord } from './intake-record';

const batch: BatchIntakeRecord = {
  version: 1,
  kind: 'batch',
  batchId: 'batch_0123456789abcdef0123456789abcdef',
  tenant: 'acme',
  profile: 'release',
  requester: 'ci',
  createdAt: '2026-12-05T02:00:00.000Z',
  requestHash: 'f'.repeat(64),
  webhookUrl: 'https://hooks.example.com/b',
  items: [{ name: 'a.bin', sourceKey: 'incoming/acme/a.bin', sha256: 'a'.repeat(64), size: 4096 }],
};

const job: JobIntakeRecord = {
  version: 1,
  kind: 'job',
  jobId: 'job_0123456789abcdef0123456789abcdef',
  requestHash: 'e'.repeat(64),
  data: {
    tenant: 'acme',
    profile: 'release',
    source: { key: 'incoming/acme/a.bin' },
    signedKey: 'signed/acme/job_0123456789abcdef0123456789abcdef.bin',
    requestedAt: '2026-12-05T02:00:00.000Z',
  },
};

describe('intake records', () => {
  it('read back what was written', () => {
    expect(decodeIntakeRecord(encodeIntakeRecord(batch))).toEqual(batch);
    expect(decodeIntakeRecord(encodeIntakeRecord(job))).toEqual(job);
  });

  it.each([
    ['another version', { ...batch, version: 2 }, /version 2/],
    ['an unknown kind', { ...batch, kind: 'upload' }, /unknown kind/],
    ['a batch without items', { ...batch, items: [] }, /no items/],
    ['an item without a source key', { ...batch, items: [{ name: 'a.bin' }] }, /without name or source key/],
    ['a job without its signed key', { ...job, data: { ...job.data, signedKey: '' } }, /lacks its id/],
  ])('refuse %s', (_what, record, reason) => {
    expect(() => decodeIntakeRecord(JSON.stringify(record))).toThrow(reason);
  });

  it('never carry a webhook secret field', () => {
    expect(Object.keys(batch)).not.toContain('webhookSecret');
    expect(encodeIntakeRecord(batch).toString()).not.toMatch(/secret|whsec_/i);
  });
});

describe('IntakeLayout', () => {
  const layout = new IntakeLayout('fleetsign/intake/');

  it('names one object per batch and per job under its root', () => {
    expect(layout.batchKey(batch.batchId)).toBe(`fleetsign/intake/batches/${batch.batchId}.json`);
    expect(layout.jobKey(job.jobId)).toBe(`fleetsign/intake/jobs/${job.jobId}.json`);
    expect(new IntakeLayout().jobKey('job_1')).toBe('intake/jobs/job_1.json');
  });

  it('reads the id back from a key and ignores other keys', () => {
    expect(layout.idOf(layout.batchKey(batch.batchId), layout.batchesPrefix)).toBe(batch.batchId);
    expect(layout.idOf('fleetsign/intake/batches/x.tmp', layout.batchesPrefix)).toBeUndefined();
    expect(layout.idOf('fleetsign/intake/batches/../x.json', layout.batchesPrefix)).toBeUndefined();
    expect(layout.idOf(layout.jobKey(job.jobId), layout.batchesPrefix)).toBeUndefined();
  });

  it('refuses a root that is not folder names ending in "/"', () => {
    expect(() => new IntakeLayout('intake')).toThrow(/folder names/);
    expect(() => new IntakeLayout('/intake/')).toThrow(/folder names/);
  });
});
