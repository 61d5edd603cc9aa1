import type { KeyObject } from 'node:crypto';
import { type Checkpoint, openCheckpoint } from './checkpoint';
import { CompactRange } from './compact-range';
import { entryLeafHash, type LogEntry } from './log-entry';
import { decodeLogGroup, LogLayout } from './log-layout';
import { consistencyProof, verifyConsistency } from './proofs';
import { subtreeRoot } from './merkle-hash';

/** Read access to the log's objects (an object store, a folder, an HTTP mirror). */
export interface LogObjects {
  /** The object's bytes; undefined when the key holds none. */
  read(key: string): Promise<Buffer | undefined>;
  /** Keys under a prefix, in any order. */
  list(prefix: string): AsyncIterable<string>;
}

/** What an auditor trusts: the log's identity and key, and optionally a checkpoint saved earlier. */
export interface LogTrust {
  origin: string;
  publicKey: KeyObject;
  /** A signed checkpoint kept from an earlier look at the log: the log must extend it. */
  trustedCheckpoint?: string;
}

/** Verdict of a full verification. */
export type LogVerdict =
  | { ok: true; size: number; rootHash: Buffer; entries: LogEntry[]; checkpoints: number }
  | { ok: false; reason: string };

/**
 * Verifies the whole log from its objects: reads every group from leaf 0 on, checks each
 * entry's sequence number and each group's stored range against the tree recomputed from
 * the entries, refuses groups that do not continue the log, and (with `trust`) checks every
 * checkpoint's signature and root against the recomputed tree and, when a trusted
 * checkpoint is given, that the log is an append-only extension of it.
 */
export async function verifyLog(objects: LogObjects, trust?: LogTrust, layout = new LogLayout()): Promise<LogVerdict> {
  try {
    return await verifyOrThrow(objects, layout, trust);
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

async function verifyOrThrow(objects: LogObjects, layout: LogLayout, trust?: LogTrust): Promise<LogVerdict> {
  const starts = new Set<number>();
  for await (const key of objects.list(layout.groupsPrefix)) {
    const start = layout.groupStartOf(key);
    if (start === undefined) throw new Error(`unexpected object ${key} among the log groups`);
    starts.add(start);
  }
  const leaves: Buffer[] = [];
  const entries: LogEntry[] = [];
  const range = CompactRange.empty();
  while (starts.has(range.size)) {
    const start = range.size;
    starts.delete(start);
    const data = await objects.read(layout.groupKey(start));
    if (!data) throw new Error(`log group at ${start} disappeared while reading`);
    let group;
    try {
      group = decodeLogGroup(data);
    } catch (err) {
      throw new Error(`log group at ${start}: ${(err as Error).message}`);
    }
    if (group.start !== start) throw new Error(`log group stored at ${start} says it starts at ${group.start}`);
    if (group.rangeBefore && !group.rangeBefore.root().equals(range.root())) throw new Error(`log group at ${start} carries a tree state before it that does not match the log`);
    for (const entry of group.entries) {
      const leaf = entryLeafHash(entry);
      leaves.push(leaf);
      entries.push(entry);
      range.append(leaf);
    }
    if (!group.rangeAfter.root().equals(range.root())) throw new Error(`log group at ${start} carries a tree state that does not match its entries`);
  }
  if (starts.size > 0) throw new Error(`log group at ${Math.min(...starts)} does not continue the log (it ends at ${range.size})`);
  const rootHash = range.root();
  let checkpoints = 0;
  if (trust) {
    const signed: Array<{ key: string; checkpoint: Checkpoint }> = [];
    for await (const key of objects.list(layout.checkpointsPrefix)) {
      const note = await objects.read(key);
      if (note) signed.push({ key, checkpoint: openOrThrow(note.toString('utf8'), trust, key) });
    }
    const roots = rootsAt(leaves, signed.map((s) => s.checkpoint.size));
    for (const { key, checkpoint } of signed) {
      const root = roots.get(checkpoint.size);
      if (!root) throw new Error(`${key} covers ${checkpoint.size} entries but the log has ${leaves.length}`);
      if (!root.equals(checkpoint.rootHash)) throw new Error(`${key}: the root of the first ${checkpoint.size} entries differs from the signed one`);
    }
    checkpoints = signed.length;
    if (trust.trustedCheckpoint !== undefined) {
      const trusted = openOrThrow(trust.trustedCheckpoint, trust, 'the trusted checkpoint');
      if (trusted.size > leaves.length) throw new Error(`the log has ${leaves.length} entries, fewer than the trusted checkpoint's ${trusted.size}: it was truncated`);
      const proof = consistencyProof(trusted.size, leaves.length, (a, b) => subtreeRoot(leaves, a, b));
      if (!verifyConsistency(trusted.size, leaves.length, proof, trusted.rootHash, rootHash)) {
        throw new Error(`the log is not an extension of the trusted checkpoint of ${trusted.size} entries: entries were changed, removed or reordered`);
      }
    }
  }
  return { ok: true, size: leaves.length, rootHash, entries, checkpoints };
}

function openOrThrow(note: string, trust: LogTrust, what: string): Checkpoint {
  try {
    return openCheckpoint(note, trust);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`);
  }
}

/** The tree roots at each of `sizes` (those within the log), in one pass over the leaves. */
function rootsAt(leaves: Buffer[], sizes: number[]): Map<number, Buffer> {
  const wanted = new Set(sizes.filter((size) => size <= leaves.length));
  const roots = new Map<number, Buffer>();
  const range = CompactRange.empty();
  if (wanted.has(0)) roots.set(0, range.root());
  for (const leaf of leaves) {
    range.append(leaf);
    if (wanted.has(range.size)) roots.set(range.size, range.root());
  }
  return roots;
}
