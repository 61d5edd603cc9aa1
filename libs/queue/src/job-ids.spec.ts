import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import {
  batchItemJobId,
  batchManifestKey,
  deterministicBatchId,
  deterministicId,
  deterministicJobId,
  signedObjectKey,
  webhookEventId,
} from './job-ids';

describe('deterministicJobId', () => {
  it('is stable for the same tenant and idempotency key', () => {
    expect(deterministicJobId('acme', 'req-1')).toBe(deterministicJobId('acme', 'req-1'));
  });

  it('differs across tenants and keys', () => {
    const ids = new Set([
      deterministicJobId('acme', 'req-1'),
      deterministicJobId('acme', 'req-2'),
      deterministicJobId('other', 'req-1'),
      // Framing: concatenation must not collide.
      deterministicJobId('acmer', 'eq-1'),
    ]);
    expect(ids.size).toBe(4);
  });

  it('is a BullMQ-safe custom id: no colon, not an integer', () => {
    const id = deterministicJobId('acme', 'a:b:c');
    expect(id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(id).not.toContain(':');
    expect(`${parseInt(id, 10)}`).not.toBe(id);
  });

  it('refuses empty parts', () => {
    expect(() => deterministicJobId('', 'k')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => deterministicJobId('acme', '')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});

describe('deterministicId', () => {
  it('uses the namespace as a readable prefix and rejects unsafe namespaces', () => {
    expect(deterministicId('msg', 'job_1', 'sign.completed')).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(() => deterministicId('a:b', 'x')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
    expect(() => deterministicId('msg')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});

describe('object keys', () => {
  it('signedObjectKey is signed/<tenant>/<jobId>.bin', () => {
    expect(signedObjectKey('acme', 'job_0123')).toBe('signed/acme/job_0123.bin');
  });

  it('batchManifestKey is batches/<tenant>/<batchId>/manifest.json', () => {
    expect(batchManifestKey('acme', 'bat_1')).toBe('batches/acme/bat_1/manifest.json');
  });

  it.each(['', '..', 'a/b', '../x', 'a\\b', '.hidden', 'a..b', 'x'.repeat(200)])(
    'refuses tenant %p',
    (tenant) => {
      let caught: unknown;
      try {
        signedObjectKey(tenant, 'job_1');
      } catch (err) {
        caught = err;
      }
      expect(isFleetSignError(caught, ErrorCode.InvalidArgument)).toBe(true);
    },
  );
});

describe('batch ids', () => {
  it('derives batch ids from tenant and Idempotency-Key', () => {
    expect(deterministicBatchId('acme', 'k')).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(deterministicBatchId('acme', 'k')).toBe(deterministicBatchId('acme', 'k'));
    expect(deterministicBatchId('acme', 'k')).not.toBe(deterministicBatchId('other', 'k'));
  });

  it('gives each item of a batch its own stable job id, distinct from request job ids', () => {
    const batch = deterministicBatchId('acme', 'k');
    const ids = new Set([0, 1, 2, 10].map((index) => batchItemJobId(batch, index)));
    expect(ids.size).toBe(4);
    expect(batchItemJobId(batch, 1)).toBe(batchItemJobId(batch, 1));
    expect(batchItemJobId(batch, 1)).toMatch(/^job_[0-9a-f]{32}$/);
    // A tenant named like the batch using the index as its key still gets another id.
    expect(deterministicJobId(batch, '1')).not.toBe(batchItemJobId(batch, 1));
    expect(() => batchItemJobId(batch, -1)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
    expect(() => batchItemJobId(batch, 1.5)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidArgument }));
  });

  it('names webhook events after the job or batch', () => {
    expect(webhookEventId('batch_ab')).toBe('evt_batch_ab');
  });
});
