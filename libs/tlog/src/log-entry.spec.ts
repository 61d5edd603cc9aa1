import { decodeEntry, encodeEntry, entryLeafHash, type LogEntry } from './log-entry';
import { leafHash } from './merkle-hash';

const SHA = 'ab'.repeat(32);
const entry: LogEntry = {
  version: 1,
  seq: 3,
  kind: 'signed',
  jobId: 'job-1',
  tenant: 'acme',
  requester: 'ci-key',
  profile: 'fw-ecdsa',
  scheme: 'sbv2-ecdsa-p256',
  chip: 'ESP32-C3',
  keys: [{ index: 0, algorithm: 'ecdsa-p256', keyDigestSha256: SHA, keyDigestEfuse: SHA, keyRef: 'pkcs11:token=fwsign;object=fw' }],
  source: { key: 'uploads/acme/a.bin', sha256: SHA, size: 100 },
  imageSha256: SHA,
  signed: { key: 'signed/acme/job-1.bin', sha256: SHA, size: 8192, signedDataLength: 4096 },
  batch: { id: 'b-1', item: 2 },
  requestedAt: '2026-12-04T00:00:00.000Z',
  time: '2026-12-04T00:00:01.000Z',
};

describe('canonical log entries', () => {
  it('encodes as RFC 8785 JSON: sorted keys, no spaces, the same bytes whatever the field order', () => {
    const text = encodeEntry(entry).toString('utf8');
    expect(text.startsWith('{"batch":{"id":"b-1","item":2},"chip":"ESP32-C3","imageSha256":')).toBe(true);
    const reordered = Object.fromEntries(Object.entries(entry).reverse()) as LogEntry;
    expect(encodeEntry(reordered).equals(encodeEntry(entry))).toBe(true);
  });

  it('decodes what it encodes, and the leaf hash is SHA-256(0x00 || encoding)', () => {
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    expect(entryLeafHash(entry).equals(leafHash(encodeEntry(entry)))).toBe(true);
  });

  it("keeps the OIDC issuer of a CI identity's requester in the leaf", () => {
    const fromCi = { ...entry, requester: 'repo:acme/fw:ref:refs/heads/main', requesterIssuer: 'https://token.actions.githubusercontent.com' };
    expect(decodeEntry(encodeEntry(fromCi))).toEqual(fromCi);
    expect(entryLeafHash(fromCi).equals(entryLeafHash({ ...fromCi, requesterIssuer: 'https://other.example' }))).toBe(false);
  });

  it('keeps an optional policy object in the leaf', () => {
    const withPolicy = { ...entry, policy: { approvers: ['alice'], rule: 'two-person' } };
    expect(decodeEntry(encodeEntry(withPolicy))).toEqual(withPolicy);
    expect(entryLeafHash(withPolicy).equals(entryLeafHash(entry))).toBe(false);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown kind', JSON.stringify({ ...entry, kind: 'forged' }), /kind/],
    ['a negative seq', JSON.stringify({ ...entry, seq: -1 }), /seq/],
    ['an unknown field', JSON.stringify({ ...entry, extra: 1 }), /malformed/],
    ['a bad digest', JSON.stringify({ ...entry, imageSha256: 'xyz' }), /imageSha256/],
  ])('refuses %s', (_what, text, reason) => {
    expect(() => decodeEntry(text)).toThrow(reason);
  });
});
