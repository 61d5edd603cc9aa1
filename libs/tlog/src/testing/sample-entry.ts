import type { LogEntry, UnsequencedEntry } from '../log-entry';

/** The SHA-256 every sample entry uses for images, files and keys. */
export const SAMPLE_SHA256 = 'ab'.repeat(32);

/**
 * A valid entry of a signing of job `jobId` for tests: tenant acme unless `fields` name
 * another (object keys follow it), one P-256 key, fixed
 * times; `fields` replace any of its fields.
 */
export function sampleEntry(jobId: string, fields: Partial<UnsequencedEntry> = {}): UnsequencedEntry {
  const tenant = fields.tenant ?? 'acme';
  return {
    version: 1,
    kind: 'signed',
    jobId,
    tenant,
    profile: 'release',
    scheme: 'sbv2-ecdsa-p256',
    chip: 'ESP32-C6',
    keys: [{ index: 0, algorithm: 'ecdsa-p256', keyDigestSha256: SAMPLE_SHA256, keyDigestEfuse: SAMPLE_SHA256, keyRef: 'pem' }],
    source: { key: `incoming/${tenant}/${jobId}.bin`, sha256: SAMPLE_SHA256, size: 1000 },
    imageSha256: SAMPLE_SHA256,
    signed: { key: `signed/${tenant}/${jobId}.bin`, sha256: SAMPLE_SHA256, size: 8192, signedDataLength: 4096 },
    requestedAt: '2026-01-01T00:00:00.000Z',
    time: '2026-01-01T00:00:02.000Z',
    ...fields,
  };
}

/** The sample entry at leaf `seq` (job `job_<seq>` unless `fields` say otherwise). */
export function sampleLogEntry(seq: number, fields: Partial<UnsequencedEntry> = {}): LogEntry {
  return { ...sampleEntry(`job_${seq}`, fields), seq };
}
