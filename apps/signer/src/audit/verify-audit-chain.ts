import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import type { Redis } from 'ioredis';
import { auditHeadRedisKey, parseAuditJson } from './audit-chain';
import { type AuditRecord, auditRecordHash, type ChainHead, GENESIS_HASH } from './audit-record';

/** What walking the chain back from its head found. */
export interface AuditChainReport {
  /** True when every record walked is intact and linked to the one before it. */
  ok: boolean;
  head?: ChainHead;
  /** Records walked, newest first. */
  records: AuditRecord[];
  /** True when the walk reached the first record (not cut off by `maxRecords`). */
  complete: boolean;
  problems: string[];
}

async function readRecord(store: ObjectStore, key: string): Promise<AuditRecord | undefined> {
  try {
    return parseAuditJson<AuditRecord>((await store.getBuffer(key, 1024 * 1024)).toString('utf8'), `audit record ${key}`);
  } catch (err) {
    if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
    throw err;
  }
}

/**
 * Walks the audit chain from the head in Redis back to its first record (or
 * `maxRecords`), checking each record's hash, position and link to the one before.
 */
export async function verifyAuditChain(
  redis: Pick<Redis, 'get'>,
  prefix: string,
  store: ObjectStore,
  maxRecords = 10_000,
): Promise<AuditChainReport> {
  const headText = await redis.get(auditHeadRedisKey(prefix));
  if (headText === null) return { ok: true, records: [], complete: true, problems: [] };
  const head = parseAuditJson<ChainHead>(headText, 'audit chain head');
  const records: AuditRecord[] = [];
  const problems: string[] = [];
  let expected: { key: string; hash: string; seq: number } | null = head;
  while (expected && records.length < maxRecords) {
    const record = await readRecord(store, expected.key);
    if (!record) {
      problems.push(`record ${expected.key} (seq ${expected.seq}) is missing`);
      break;
    }
    if (auditRecordHash(record) !== record.hash) problems.push(`record ${expected.key}: content does not match its hash`);
    if (record.hash !== expected.hash) problems.push(`record ${expected.key}: hash differs from the link pointing at it`);
    if (record.seq !== expected.seq) problems.push(`record ${expected.key}: seq ${record.seq}, expected ${expected.seq}`);
    records.push(record);
    if (record.prevKey === null) {
      if (record.prevHash !== GENESIS_HASH || record.seq !== 1) problems.push(`record ${expected.key}: first record is not seq 1 with the genesis hash`);
      expected = null;
    } else {
      expected = { key: record.prevKey, hash: record.prevHash, seq: record.seq - 1 };
    }
  }
  return { ok: problems.length === 0, head, records, complete: expected === null, problems };
}
