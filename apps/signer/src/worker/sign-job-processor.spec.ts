import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { DEFAULT_RETRY_POLICY, type FleetSignJob, type QueueName, type SignJobResult, UnrecoverableError } from '@fleetsign/queue';
import pino from 'pino';
import { SignerMetrics } from '../observability/signer-metrics';
import { createSignJobProcessor } from './sign-job-processor';

const result: SignJobResult = {
  imageSha256: 'i',
  signedSha256: 's',
  signedKey: 'signed/acme/job_1.bin',
  signedSize: 8192,
  signedDataLength: 4096,
  scheme: 'sbv2-ecdsa-p256',
  blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: 'k' }],
  log: { index: 0, leafHash: '00'.repeat(32) },
  timings: { fetchMs: 1, signMs: 1, storeMs: 1, totalMs: 3 },
};

function job(attemptsMade = 0, attempts = 5): FleetSignJob<QueueName.Sign> {
  return {
    id: 'job_1',
    attemptsMade,
    opts: { attempts },
    data: {
      tenant: 'acme',
      profile: 'p',
      source: { key: 'incoming/acme/a.bin' },
      signedKey: result.signedKey,
      requestedAt: 'now',
      batchId: 'batch_1',
      batchIndex: 3,
    },
  } as unknown as FleetSignJob<QueueName.Sign>;
}

function setup(run: () => Promise<SignJobResult>) {
  const batches = { started: jest.fn(async () => undefined), finished: jest.fn(async () => undefined) };
  const webhooks = { jobSucceeded: jest.fn(async () => undefined), jobFailed: jest.fn(async () => undefined) };
  const processor = createSignJobProcessor({
    retry: DEFAULT_RETRY_POLICY,
    pipeline: { run },
    webhooks,
    metrics: new SignerMetrics(),
    logger: pino({ level: 'silent' }),
    batches,
  });
  return { processor, batches, webhooks };
}

describe('sign job processor and batch accounting', () => {
  it('marks the item active, enqueues the success event, then records its success before the job completes', async () => {
    const { processor, batches, webhooks } = setup(async () => result);
    await expect(processor(job(), 'token')).resolves.toBe(result);
    expect(batches.started).toHaveBeenCalledTimes(1);
    expect(webhooks.jobSucceeded).toHaveBeenCalledWith(expect.objectContaining({ id: 'job_1' }), result);
    expect(webhooks.jobFailed).not.toHaveBeenCalled();
    expect(batches.finished).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'job_1' }),
      expect.objectContaining({ state: 'succeeded', signedSha256: 's' }),
    );
  });

  it('records a permanent failure at once, with its code', async () => {
    const { processor, batches, webhooks } = setup(async () => {
      throw new FleetSignError(ErrorCode.InvalidImage, 'not an ESP image');
    });
    await expect(processor(job(), 'token')).rejects.toBeInstanceOf(UnrecoverableError);
    expect(webhooks.jobFailed).toHaveBeenCalledTimes(1);
    expect(batches.finished).toHaveBeenCalledWith(expect.anything(), {
      state: 'failed',
      error: { code: ErrorCode.InvalidImage, message: 'not an ESP image' },
    });
  });

  it('records nothing for a transient failure that will be retried, but does on the last attempt', async () => {
    const busy = async (): Promise<SignJobResult> => {
      throw new FleetSignError(ErrorCode.HsmUnavailable, 'token busy');
    };
    const early = setup(busy);
    await expect(early.processor(job(0, 5), 'token')).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(early.batches.finished).not.toHaveBeenCalled();

    const last = setup(busy);
    await expect(last.processor(job(4, 5), 'token')).rejects.toThrow();
    expect(last.batches.finished).toHaveBeenCalledWith(expect.anything(), {
      state: 'failed',
      error: { code: ErrorCode.HsmUnavailable, message: 'token busy' },
    });
  });

  it('fails the attempt (to be retried) when the success cannot be recorded', async () => {
    const { processor, batches } = setup(async () => result);
    batches.finished.mockRejectedValueOnce(new Error('redis away'));
    await expect(processor(job(0, 5), 'token')).rejects.not.toBeInstanceOf(UnrecoverableError);
  });

  it('fails the attempt (to be retried) when the success event cannot be enqueued, before the batch counts the item', async () => {
    const { processor, batches, webhooks } = setup(async () => result);
    webhooks.jobSucceeded.mockRejectedValueOnce(new Error('redis away'));
    await expect(processor(job(0, 5), 'token')).rejects.not.toBeInstanceOf(UnrecoverableError);
    expect(batches.finished).not.toHaveBeenCalled();
  });
});
