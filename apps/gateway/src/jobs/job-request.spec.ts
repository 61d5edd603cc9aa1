import { METADATA_MAX_BYTES, createJobRequestSchema } from '@fleetsign/api';
import { canonicalJson, requestHash } from './job-request';

describe('createJobRequestSchema', () => {
  const valid = { profile: 'rel-rsa', source: { key: 'incoming/acme/a.bin' } };

  it('accepts a minimal request and normalises the digest to lower case', () => {
    expect(createJobRequestSchema.parse(valid)).toEqual(valid);
    const upper = 'AB'.repeat(32);
    expect(createJobRequestSchema.parse({ ...valid, source: { ...valid.source, sha256: upper } }).source.sha256).toBe(upper.toLowerCase());
  });

  it('refuses unknown fields, non-http webhooks and non-boolean fresh', () => {
    expect(createJobRequestSchema.safeParse({ ...valid, priority: 1 }).success).toBe(false);
    expect(createJobRequestSchema.safeParse({ ...valid, webhook: { url: 'javascript:alert(1)' } }).success).toBe(false);
    expect(createJobRequestSchema.safeParse({ ...valid, webhook: { url: 'http://hooks.example.com/x' } }).success).toBe(true);
    expect(createJobRequestSchema.safeParse({ ...valid, fresh: 'true' }).success).toBe(false);
  });

  it('caps metadata by size and refuses non-string values', () => {
    const big = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'x'.repeat(METADATA_MAX_BYTES / 8)]));
    expect(createJobRequestSchema.safeParse({ ...valid, metadata: big }).success).toBe(false);
    expect(createJobRequestSchema.safeParse({ ...valid, metadata: { n: 1 } }).success).toBe(false);
    expect(createJobRequestSchema.safeParse({ ...valid, metadata: { build: '42' } }).success).toBe(true);
  });
});

describe('requestHash', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } })).toBe('{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
    const one = createJobRequestSchema.parse({ profile: 'p', source: { key: 'k' }, metadata: { x: '1', y: '2' } });
    const two = createJobRequestSchema.parse({ metadata: { y: '2', x: '1' }, source: { key: 'k' }, profile: 'p' });
    expect(requestHash(one)).toBe(requestHash(two));
  });

  it('changes with any value', () => {
    const base = createJobRequestSchema.parse({ profile: 'p', source: { key: 'k' } });
    expect(requestHash({ ...base, fresh: true })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, source: { key: 'k2' } })).not.toBe(requestHash(base));
  });
});
