import { type AuditEntry, auditRecordHash, auditRecordKey, canonicalJson, chainAuditEntry, GENESIS_HASH } from './audit-record';

function entry(jobId: string): AuditEntry {
  return {
    version: 1,
    jobId,
    tenant: 'acme',
    profile: 'release',
    scheme: 'sbv2-rsa3072',
    chip: 'ESP32-S3',
    source: { key: `incoming/acme/${jobId}.bin`, sha256: 'a'.repeat(64), size: 1000 },
    imageSha256: 'b'.repeat(64),
    signed: { key: `signed/acme/${jobId}.bin`, sha256: 'c'.repeat(64), size: 8192, signedDataLength: 4096 },
    keys: [{ index: 0, algorithm: 'rsa3072', keyDigestSha256: 'd'.repeat(64), keyDigestEfuse: 'd'.repeat(64), keyRef: 'pem:rsa3072' }],
    signer: { host: 'signer-0', pid: 42 },
    requestedAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:01.000Z',
    recordedAt: '2026-01-01T00:00:02.000Z',
    attempt: 1,
  };
}

describe('canonicalJson', () => {
  it('sorts keys at every depth so key order never changes the text', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
  });
});

describe('chainAuditEntry', () => {
  it('starts the chain at seq 1 with the genesis hash', () => {
    const { record, head } = chainAuditEntry(entry('job_1'), auditRecordKey('acme', 'job_1'), undefined);
    expect(record).toMatchObject({ seq: 1, prevKey: null, prevHash: GENESIS_HASH });
    expect(head).toEqual({ seq: 1, hash: record.hash, key: 'audit/acme/job_1.json' });
    expect(record.hash).toBe(auditRecordHash(record));
  });

  it('links each record to the one before and seals it against changes', () => {
    const first = chainAuditEntry(entry('job_1'), 'audit/acme/job_1.json', undefined);
    const second = chainAuditEntry(entry('job_2'), 'audit/acme/job_2.json', first.head);
    expect(second.record).toMatchObject({ seq: 2, prevKey: 'audit/acme/job_1.json', prevHash: first.record.hash });

    const roundTripped = JSON.parse(JSON.stringify(second.record));
    expect(auditRecordHash(roundTripped)).toBe(second.record.hash);
    expect(auditRecordHash({ ...roundTripped, signed: { ...roundTripped.signed, sha256: 'e'.repeat(64) } })).not.toBe(second.record.hash);
    expect(auditRecordHash({ ...roundTripped, prevHash: GENESIS_HASH })).not.toBe(second.record.hash);
  });
});
