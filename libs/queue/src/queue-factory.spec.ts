import { flowNode } from './queue-factory';
import { QueueName } from './queue-name';
import type { SignJobData } from './sign-job';
import type { BatchJobData } from './batch-job';

describe('flowNode', () => {
  const sign: SignJobData = {
    tenant: 'acme',
    profile: 'prod',
    source: { key: 'uploads/acme/a.bin' },
    signedKey: 'signed/acme/job_1.bin',
    requestedAt: '2025-01-01T00:00:00.000Z',
    batchId: 'bat_1',
  };
  const batch: BatchJobData = {
    batchId: 'bat_1',
    tenant: 'acme',
    profile: 'prod',
    counts: { total: 1 },
    manifestKey: 'batches/acme/bat_1/manifest.json',
    requestedAt: '2025-01-01T00:00:00.000Z',
  };

  it('names the job after its queue and keeps data, options and children', () => {
    const child = flowNode(QueueName.Sign, sign, { jobId: 'job_1' });
    const parent = flowNode(QueueName.Batch, batch, { jobId: 'bat_1' }, [child]);
    expect(child).toEqual({ name: 'sign', queueName: 'sign', data: sign, opts: { jobId: 'job_1' } });
    expect(parent.children).toEqual([child]);
    expect(parent).toMatchObject({ name: 'batch', queueName: 'batch', data: batch });
  });

  it('omits absent options and children', () => {
    expect(Object.keys(flowNode(QueueName.Sign, sign))).toEqual(['name', 'queueName', 'data']);
  });
});
