import { EventEmitter } from 'node:events';
import { Job } from 'bullmq';
import type { FleetSignWorker, QueueName } from '@fleetsign/queue';
import pino from 'pino';
import { watchFinalFailures } from './final-failure-watch';

function fakeJob(overrides: Record<string, unknown> = {}) {
  return {
    id: 'job_1',
    data: { tenant: 'acme', batchId: 'batch_1', batchIndex: 2 },
    finishedOn: 1,
    failedReason: '{"code":"HSM_UNAVAILABLE","message":"token away"}',
    isFailed: async () => true,
    ...overrides,
  };
}

function setup() {
  const worker = new EventEmitter();
  const finished = jest.fn(async () => undefined);
  watchFinalFailures(
    worker as unknown as FleetSignWorker<QueueName.Sign>,
    { finished },
    pino({ level: 'silent' }),
  );
  return { worker, finished };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('watchFinalFailures', () => {
  afterEach(() => jest.restoreAllMocks());

  it('records a batch item that failed for good', async () => {
    const { worker, finished } = setup();
    worker.emit('failed', fakeJob(), new Error('x'));
    await settle();
    expect(finished).toHaveBeenCalledWith(expect.objectContaining({ id: 'job_1' }), {
      state: 'failed',
      error: { code: 'HSM_UNAVAILABLE', message: 'token away' },
    });
  });

  it('leaves failures that will be retried, and single jobs, alone', async () => {
    const { worker, finished } = setup();
    worker.emit('failed', fakeJob({ finishedOn: undefined }), new Error('x'));
    worker.emit('failed', fakeJob({ data: { tenant: 'acme' } }), new Error('x'));
    worker.emit('failed', undefined, new Error('x'));
    await settle();
    expect(finished).not.toHaveBeenCalled();
  });

  it('records a batch item BullMQ failed itself after it stalled too often', async () => {
    const fromId = jest
      .spyOn(Job, 'fromId')
      .mockResolvedValue(fakeJob({ failedReason: 'job stalled more than allowable limit' }) as never);
    const { worker, finished } = setup();
    worker.emit('stalled', 'job_1', 'active');
    await settle();
    await settle();
    expect(fromId).toHaveBeenCalledWith(worker, 'job_1');
    expect(finished).toHaveBeenCalledWith(expect.anything(), {
      state: 'failed',
      error: { code: 'INTERNAL', message: expect.any(String) },
    });
  });

  it('ignores a stalled job that went back to the queue', async () => {
    jest.spyOn(Job, 'fromId').mockResolvedValue(fakeJob({ isFailed: async () => false }) as never);
    const { worker, finished } = setup();
    worker.emit('stalled', 'job_1', 'active');
    await settle();
    await settle();
    expect(finished).not.toHaveBeenCalled();
  });
});
