import { batchIdempotencyKey } from './batch-key';

const a = { name: 'a.bin', sha256: '1'.repeat(64) };
const b = { name: 'b.bin', sha256: '2'.repeat(64) };

describe('batchIdempotencyKey', () => {
  it('is the same for the same files in any order, and a valid Idempotency-Key', () => {
    const key = batchIdempotencyKey('rel', [a, b], false);
    expect(batchIdempotencyKey('rel', [b, a], false)).toBe(key);
    expect(key).toMatch(/^fsbatch-[0-9a-f]{64}$/);
  });

  it('changes with the profile, --fresh, a name or a content', () => {
    const key = batchIdempotencyKey('rel', [a, b], false);
    expect(batchIdempotencyKey('dev', [a, b], false)).not.toBe(key);
    expect(batchIdempotencyKey('rel', [a, b], true)).not.toBe(key);
    expect(batchIdempotencyKey('rel', [a, { ...b, name: 'c.bin' }], false)).not.toBe(key);
    expect(batchIdempotencyKey('rel', [a, { ...b, sha256: '3'.repeat(64) }], false)).not.toBe(key);
    expect(batchIdempotencyKey('rel', [a], false)).not.toBe(key);
  });
});
