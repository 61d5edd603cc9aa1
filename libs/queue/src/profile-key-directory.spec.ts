import { generateKeyPairSync } from 'node:crypto';
import { FleetSignError } from '@fleetsign/errors';
import { parseProfileKeysRecord, profileKeysRedisKey, type ProfileKeysRecord } from './profile-key-directory';

function validRecord(): ProfileKeysRecord {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    profile: 'release-ec',
    scheme: 'sbv2-ecdsa-p256',
    publishedAt: '2026-01-01T00:00:00.000Z',
    keys: [
      {
        index: 0,
        algorithm: 'ecdsa-p256',
        publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        keyDigestSha256: 'ab'.repeat(32),
        keyDigestEfuse: 'ab'.repeat(16),
      },
    ],
    allowedChips: ['ESP32-C2'],
  };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetSignError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected a FleetSignError');
}

describe('profileKeysRedisKey', () => {
  it('puts the profile under the queue prefix so it shares the hash tag', () => {
    expect(profileKeysRedisKey('{fleetsign}', 'release-rsa')).toBe('{fleetsign}:profile-keys:release-rsa');
  });
});

describe('parseProfileKeysRecord', () => {
  it('accepts a well-formed record unchanged', () => {
    const record = validRecord();
    expect(parseProfileKeysRecord(JSON.parse(JSON.stringify(record)))).toEqual(record);
  });

  it('refuses a digest of the wrong length, naming the field', () => {
    const record = validRecord();
    record.keys[0].keyDigestSha256 = 'ab'.repeat(16);
    expect(messageOf(() => parseProfileKeysRecord(record))).toMatch(/^INTERNAL: .*keys\.0\.keyDigestSha256: must be 32 bytes/);
  });

  it('refuses upper-case hex, an unknown scheme and more than three keys', () => {
    const upper = validRecord();
    upper.keys[0].keyDigestEfuse = 'AB'.repeat(16);
    expect(() => parseProfileKeysRecord(upper)).toThrow(/keyDigestEfuse/);

    const scheme = { ...validRecord(), scheme: 'sbv3-rsa' };
    expect(() => parseProfileKeysRecord(scheme)).toThrow(/scheme/);

    const many = validRecord();
    many.keys = [0, 1, 2, 3].map((index) => ({ ...many.keys[0], index: Math.min(index, 2) }));
    expect(() => parseProfileKeysRecord(many)).toThrow(/keys/);
  });

  it('refuses a key that is not a public PEM', () => {
    const record = validRecord();
    record.keys[0].publicKeyPem = '-----BEGIN PRIVATE KEY-----\n...';
    expect(() => parseProfileKeysRecord(record)).toThrow(/publicKeyPem/);
  });
});
