import { createHash } from 'node:crypto';
import type { SigningPolicyFacts } from '@fleetsign/queue';
import type { KeyAlgorithm, SigningScheme } from '@fleetsign/secure-boot';

/** prevHash of the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** One key that signed, as the audit record lists it. */
export interface AuditKey {
  index: number;
  algorithm: KeyAlgorithm;
  /** Hex SHA-256 public-key digest (32 bytes). */
  keyDigestSha256: string;
  /** Hex digest as the image's chip burns it into eFuse (16 bytes on ESP32-C2). */
  keyDigestEfuse: string;
  /** Where the key lives, e.g. 'pkcs11:token=fwsign;object=fw-rsa-3072' (never a PIN). */
  keyRef: string;
}

/**
 * The record of one signing, written to `audit/<tenant>/<jobId>.json`. Records form a
 * hash chain: each holds the hash and object key of the record before it, and its own
 * `hash` is the SHA-256 of its canonical JSON without `hash`.
 */
export interface AuditRecord {
  version: 1;
  /** Position in the chain, from 1. */
  seq: number;
  jobId: string;
  tenant: string;
  profile: string;
  scheme: SigningScheme;
  batchId?: string;
  chip: string;
  source: { key: string; sha256: string; size: number };
  /** Hex SHA-256 of the signed data (the image padded to 4 KiB for V2). */
  imageSha256: string;
  signed: { key: string; sha256: string; size: number; signedDataLength: number };
  keys: AuditKey[];
  signer: { host: string; pid: number };
  /** When the gateway accepted the request. */
  requestedAt: string;
  /** When the signing attempt that produced the file started. */
  startedAt: string;
  /** When this record was created. */
  recordedAt: string;
  /** Attempt number (1 = first) that produced the record. */
  attempt: number;
  /** True when no new signature was made: the signed file of an earlier job signing the same image is reused. */
  reused?: true;
  /** The job whose signed file is reused. */
  reusedFrom?: string;
  metadata?: Record<string, string>;
  /** Policy facts of the signing: requester, app description, anti-rollback. */
  policy?: SigningPolicyFacts;
  /** Object key of the previous record; null for the first. */
  prevKey: string | null;
  prevHash: string;
  hash: string;
}

/** The record's content before it is placed in the chain. */
export type AuditEntry = Omit<AuditRecord, 'seq' | 'prevKey' | 'prevHash' | 'hash'>;

/** Where the chain stands: the newest record. */
export interface ChainHead {
  seq: number;
  hash: string;
  key: string;
}

/** Object key of a job's audit record. */
export function auditRecordKey(tenant: string, jobId: string): string {
  return `audit/${tenant}/${jobId}.json`;
}

/** JSON with object keys sorted at every depth, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The hash a record must carry: SHA-256 (hex) of its canonical JSON without `hash`. */
export function auditRecordHash(record: Omit<AuditRecord, 'hash'> | AuditRecord): string {
  const { hash: _hash, ...content } = record as AuditRecord;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Places an entry after `head` (or first, when there is none) and seals it with its hash. */
export function chainAuditEntry(entry: AuditEntry, key: string, head: ChainHead | undefined): { record: AuditRecord; head: ChainHead } {
  const linked = {
    ...entry,
    seq: (head?.seq ?? 0) + 1,
    prevKey: head?.key ?? null,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  const record: AuditRecord = { ...linked, hash: auditRecordHash(linked) };
  return { record, head: { seq: record.seq, hash: record.hash, key } };
}
