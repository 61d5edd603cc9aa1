import { randomBytes } from 'node:crypto';
import { cp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FsObjectStore, type ObjectStore } from '@fleetsign/storage';
import {
  CompactRange,
  decodeLogGroup,
  encodeLogGroup,
  entryLeafHash,
  type LogEntry,
  LogLayout,
  MAX_LOG_OBJECT_BYTES,
} from '@fleetsign/tlog';
import { type AuditTrustFiles, type AuditVerdict, auditVerify } from './audit-verify';

// Tampering with a copy of the store after the run, as someone with write access to the
// store (and Redis) would: each case must make `fleetsign audit verify`, given the
// checkpoint saved before, fail.

/** One tampering case and whether the audit caught it. */
export interface TamperOutcome {
  name: string;
  detected: boolean;
  /** The audit's one-line reason. */
  reason: string;
}

const layout = new LogLayout();

async function groupKeys(store: ObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(layout.groupsPrefix)) keys.push(key);
  return keys.sort();
}

async function readEntries(store: ObjectStore, keys: readonly string[]): Promise<LogEntry[][]> {
  return Promise.all(keys.map(async (key) => decodeLogGroup(await store.getBuffer(key, MAX_LOG_OBJECT_BYTES)).entries));
}

/** Removes every signed checkpoint (those that would no longer match the rewritten log). */
async function dropCheckpoints(store: ObjectStore): Promise<void> {
  for await (const key of store.list(layout.checkpointsPrefix)) await store.delete(key);
  await store.delete(layout.latestCheckpointKey);
}

/** Rewrites the log from group `from` on as consistent groups of `groups` (sequence numbers and tree states recomputed). */
async function rechain(store: ObjectStore, keys: readonly string[], groups: LogEntry[][], from: number): Promise<void> {
  for (const key of keys.slice(from)) await store.delete(key);
  const range = CompactRange.empty();
  const all = groups.flat();
  const start = groups.slice(0, from).reduce((n, g) => n + g.length, 0);
  for (const entry of all.slice(0, start)) range.append(entryLeafHash(entry));
  let seq = start;
  for (const group of groups.slice(from)) {
    if (group.length === 0) continue;
    const groupStart = seq;
    const entries = group.map((entry) => ({ ...entry, seq: seq++ }));
    for (const entry of entries) range.append(entryLeafHash(entry));
    await store.put(layout.groupKey(groupStart), encodeLogGroup({ start: groupStart, entries, rangeAfter: range }));
  }
  await dropCheckpoints(store);
}

/** Changes one hex digit of the first SHA-256 digest in a JSON text. */
function flipDigest(text: string): string {
  return text.replace(/("sha256":")([0-9a-f])/, (_, head: string, digit: string) => `${head}${digit === '0' ? '1' : '0'}`);
}

type Tampering = (store: FsObjectStore) => Promise<void>;

const CASES: ReadonlyArray<{ name: string; apply: Tampering }> = [
  {
    name: 'edit an entry in place',
    async apply(store) {
      const keys = await groupKeys(store);
      const key = keys[Math.floor(keys.length / 2)];
      const text = (await store.getBuffer(key, MAX_LOG_OBJECT_BYTES)).toString('utf8');
      await store.delete(key);
      await store.put(key, Buffer.from(flipDigest(text), 'utf8'));
    },
  },
  {
    name: 'edit an entry, re-chain the rest, drop checkpoints',
    async apply(store) {
      const keys = await groupKeys(store);
      const groups = await readEntries(store, keys);
      const at = Math.floor(keys.length / 2);
      groups[at] = [JSON.parse(flipDigest(JSON.stringify(groups[at][0]))) as LogEntry, ...groups[at].slice(1)];
      await rechain(store, keys, groups, at);
    },
  },
  {
    name: 'delete a middle entry, re-chain the rest, drop checkpoints',
    async apply(store) {
      const keys = await groupKeys(store);
      const groups = await readEntries(store, keys);
      const at = Math.floor(keys.length / 2);
      groups[at] = groups[at].slice(1);
      await rechain(store, keys, groups, at);
    },
  },
  {
    name: 'delete the last log group and its checkpoints (rollback)',
    async apply(store) {
      const keys = await groupKeys(store);
      await store.delete(keys[keys.length - 1]);
      await dropCheckpoints(store);
    },
  },
  {
    name: 'truncate a log group object',
    async apply(store) {
      const keys = await groupKeys(store);
      const key = keys[Math.floor(keys.length / 2)];
      const data = await store.getBuffer(key, MAX_LOG_OBJECT_BYTES);
      await writeFile(store.pathOf(key), data.subarray(0, Math.floor(data.length / 2)));
    },
  },
];

/**
 * Copies the store's log into `workDir` once per case, tampers with the copy, and runs
 * `fleetsign audit verify --trusted-checkpoint` on it.
 */
export async function runTamperCases(root: string, storeRoot: string, workDir: string, trust: AuditTrustFiles): Promise<TamperOutcome[]> {
  const outcomes: TamperOutcome[] = [];
  for (const [index, tamperCase] of CASES.entries()) {
    const copyRoot = join(workDir, `tampered-${index}`);
    await cp(join(storeRoot, 'log'), join(copyRoot, 'log'), { recursive: true });
    const store = new FsObjectStore({ root: copyRoot, publicBaseUrl: 'http://127.0.0.1/', signingSecret: randomBytes(32).toString('hex') });
    try {
      await tamperCase.apply(store);
      const verdict: AuditVerdict = await auditVerify(root, copyRoot, trust);
      outcomes.push({ name: tamperCase.name, detected: !verdict.ok, reason: verdict.line });
    } finally {
      await store.close();
      await rm(copyRoot, { recursive: true, force: true });
    }
  }
  return outcomes;
}
