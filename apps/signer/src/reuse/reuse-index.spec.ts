import { pemProfile } from '../testing/pem-profile';
import { keysetDigest, ReuseIndex, reuseIndexRedisKey } from './reuse-index';

/** An in-memory stand-in for the two Redis commands the index uses. */
function memoryRedis() {
  const values = new Map<string, string>();
  return {
    values,
    get: async (key: string) => values.get(key) ?? null,
    set: async (key: string, value: string) => {
      values.set(key, value);
      return 'OK' as const;
    },
  };
}

describe('keysetDigest', () => {
  const one = pemProfile('sbv2-ecdsa-p256', 1);
  const two = pemProfile('sbv2-ecdsa-p256', 2);
  const rotated = pemProfile('sbv2-ecdsa-p256', 1, { firstSlot: 1 });

  it('changes with the keys, their order and the scheme, so a rotated key never reuses an old signature', () => {
    const digests = new Set([
      keysetDigest(one),
      keysetDigest(two),
      keysetDigest(rotated),
      keysetDigest({ ...two, keys: [...two.keys].reverse().map((key, index) => ({ ...key, index })) }),
      keysetDigest({ ...one, scheme: 'sbv1-ecdsa-p256' }),
    ]);
    expect(digests.size).toBe(5);
    expect(keysetDigest(pemProfile('sbv2-ecdsa-p256', 1))).toBe(keysetDigest(one));
  });

  it('is part of the index key, with tenant, profile and image digest', () => {
    const key = reuseIndexRedisKey('{fs}', 'acme', one, 'ab'.repeat(32));
    expect(key).toBe(`{fs}:reuse:acme:${one.name}:${keysetDigest(one)}:${'ab'.repeat(32)}`);
    expect(reuseIndexRedisKey('{fs}', 'acme', rotated, 'ab'.repeat(32))).not.toBe(key);
  });
});

describe('ReuseIndex', () => {
  const profile = pemProfile('sbv2-ecdsa-p256');
  const signing = {
    jobId: 'job_1',
    signedKey: 'signed/acme/job_1.bin',
    signedSha256: 'cd'.repeat(32),
    signedSize: 8192,
    signedDataLength: 4096,
  };
  const image = 'ab'.repeat(32);

  it('finds a remembered signing while its file is in the store at the recorded size', async () => {
    const redis = memoryRedis();
    const sizes = new Map([[signing.signedKey, 8192]]);
    const index = new ReuseIndex(redis, '{fs}', {
      head: async (key) => (sizes.has(key) ? { size: sizes.get(key) as number } : undefined),
    });
    expect(await index.find('acme', profile, image)).toBeUndefined();
    await index.remember('acme', profile, image, signing);
    expect(await index.find('acme', profile, image)).toEqual(signing);
    expect(await index.find('other', profile, image)).toBeUndefined();
    expect(
      await index.find('acme', pemProfile('sbv2-ecdsa-p256', 1, { firstSlot: 1 }), image),
    ).toBeUndefined();

    sizes.set(signing.signedKey, 100);
    expect(await index.find('acme', profile, image)).toBeUndefined();
    sizes.delete(signing.signedKey);
    expect(await index.find('acme', profile, image)).toBeUndefined();
  });

  it('ignores an entry it cannot read', async () => {
    const redis = memoryRedis();
    const index = new ReuseIndex(redis, '{fs}', { head: async () => ({ size: 8192 }) });
    redis.values.set(reuseIndexRedisKey('{fs}', 'acme', profile, image), '{"jobId":1}');
    expect(await index.find('acme', profile, image)).toBeUndefined();
    redis.values.set(reuseIndexRedisKey('{fs}', 'acme', profile, image), 'not json');
    expect(await index.find('acme', profile, image)).toBeUndefined();
  });
});
