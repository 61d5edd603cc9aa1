import { sampleLogEntry } from './testing/sample-entry';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { signCheckpoint } from './checkpoint';
import { CompactRange } from './compact-range';
import { entryLeafHash, type LogEntry } from './log-entry';
import { decodeLogGroup, encodeLogGroup, LogLayout } from './log-layout';

const layout = new LogLayout();
const logGroupKey = (start: number) => layout.groupKey(start);
const logCheckpointKey = (size: number) => layout.checkpointKey(size);
import { type LogObjects, verifyLog } from './verify-log';

const ORIGIN = 'fleetsign.test/log';
const logKey = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
const trust = { origin: ORIGIN, publicKey: logKey.publicKey };

function entry(seq: number): LogEntry {
  return sampleLogEntry(seq, { tenant: seq % 2 ? 'acme' : 'globex' });
}

/** An in-memory log written as the signer writes it: groups of `sizes` entries, a checkpoint after each. */
async function buildLog(sizes: number[]): Promise<{ objects: Map<string, Buffer>; checkpoints: string[] }> {
  const objects = new Map<string, Buffer>();
  const checkpoints: string[] = [];
  const range = CompactRange.empty();
  for (const count of sizes) {
    const start = range.size;
    const entries = Array.from({ length: count }, (_, i) => entry(start + i));
    for (const e of entries) range.append(entryLeafHash(e));
    objects.set(logGroupKey(start), encodeLogGroup({ start, entries, rangeAfter: range.clone() }));
    const note = await signCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() }, logKey);
    objects.set(logCheckpointKey(range.size), Buffer.from(note));
    checkpoints.push(note);
  }
  return { objects, checkpoints };
}

function source(objects: Map<string, Buffer>): LogObjects {
  return {
    read: async (key) => objects.get(key),
    list: async function* (prefix) {
      for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix)).sort()) yield key;
    },
  };
}

/** Rewrites the group at `start` through `change` (re-encoding it as a tamperer with the layout would). */
function rewriteGroup(objects: Map<string, Buffer>, start: number, change: (entries: LogEntry[]) => LogEntry[]): void {
  const group = decodeLogGroup(objects.get(logGroupKey(start)) as Buffer);
  const entries = change(group.entries);
  // Recompute the range so the group is self-consistent: only the tree shows the change.
  const before = CompactRange.empty();
  const all: LogEntry[] = [];
  for (const [key, data] of [...objects.entries()].sort()) {
    if (!key.startsWith('log/groups/')) continue;
    const g = decodeLogGroup(data);
    if (g.start < start) all.push(...g.entries);
  }
  for (const e of all) before.append(entryLeafHash(e));
  for (const e of entries) before.append(entryLeafHash(e));
  objects.set(logGroupKey(start), encodeLogGroup({ start, entries, rangeAfter: before }));
}

describe('verifying a whole log', () => {
  it('accepts an intact log, every checkpoint and a trusted checkpoint it extends', async () => {
    const { objects, checkpoints } = await buildLog([3, 5, 1, 7]);
    const verdict = await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[1] });
    expect(verdict).toMatchObject({ ok: true, size: 16, checkpoints: 4 });
  });

  it('accepts the empty log', async () => {
    expect(await verifyLog(source(new Map()), trust)).toMatchObject({ ok: true, size: 0 });
  });

  it('detects an edited entry, even with the group range rewritten to match', async () => {
    const { objects, checkpoints } = await buildLog([3, 5, 4]);
    rewriteGroup(objects, 3, (entries) => entries.map((e) => (e.seq === 4 ? { ...e, tenant: 'mallory' } : e)));
    const verdict = await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[0] });
    expect(verdict).toMatchObject({ ok: false });
    expect((verdict as { reason: string }).reason).toMatch(/log group at 8 carries a tree state|checkpoints\/000000000008/);
  });

  it('detects an edited entry in the newest group through the checkpoint made before', async () => {
    const { objects, checkpoints } = await buildLog([3, 5]);
    rewriteGroup(objects, 3, (entries) => entries.map((e) => (e.seq === 7 ? { ...e, imageSha256: 'ee'.repeat(32) } : e)));
    objects.delete(logCheckpointKey(8));
    const verdict = await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[1] });
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/not an extension of the trusted checkpoint/) });
  });

  it('detects a deleted middle group (the rest no longer continues the log)', async () => {
    const { objects } = await buildLog([3, 5, 4]);
    objects.delete(logGroupKey(3));
    expect(await verifyLog(source(objects), trust)).toEqual({ ok: false, reason: expect.stringMatching(/at 8 does not continue the log/) });
  });

  it('detects a deleted entry with the rest re-sequenced, through the trusted checkpoint', async () => {
    const { objects, checkpoints } = await buildLog([3, 5]);
    rewriteGroup(objects, 3, (entries) => entries.slice(1).map((e, i) => ({ ...e, seq: 3 + i })));
    for (const key of [...objects.keys()]) if (key.startsWith('log/checkpoints/')) objects.delete(key);
    const verdict = await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[1] });
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/fewer than the trusted checkpoint's 8: it was truncated/) });
  });

  it('detects reordered entries', async () => {
    const { objects, checkpoints } = await buildLog([3, 5]);
    rewriteGroup(objects, 3, (entries) => [entries[1], entries[0], ...entries.slice(2)].map((e, i) => ({ ...e, seq: 3 + i })));
    for (const key of [...objects.keys()]) if (key.startsWith('log/checkpoints/')) objects.delete(key);
    const verdict = await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[1] });
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/not an extension/) });
  });

  it('detects entries swapped without re-sequencing', async () => {
    const { objects } = await buildLog([3, 5]);
    const group = decodeLogGroup(objects.get(logGroupKey(3)) as Buffer);
    const swapped = [group.entries[1], group.entries[0], ...group.entries.slice(2)];
    objects.set(logGroupKey(3), Buffer.from(JSON.stringify({ version: 1, start: 3, entries: swapped, rangeAfter: group.rangeAfter.hashes().map((h) => h.toString('hex')) })));
    expect(await verifyLog(source(objects), trust)).toEqual({ ok: false, reason: expect.stringMatching(/holds seq 4 at position 0/) });
  });

  it('detects a truncated tail given a checkpoint saved before', async () => {
    const { objects, checkpoints } = await buildLog([3, 5, 4]);
    objects.delete(logGroupKey(8));
    objects.delete(logCheckpointKey(12));
    expect(await verifyLog(source(objects), trust)).toMatchObject({ ok: true, size: 8 });
    expect(await verifyLog(source(objects), { ...trust, trustedCheckpoint: checkpoints[2] })).toEqual({
      ok: false,
      reason: expect.stringMatching(/fewer than the trusted checkpoint's 12: it was truncated/),
    });
  });

  it('refuses a checkpoint signed by another key and a checkpoint whose root is not the log', async () => {
    const { objects } = await buildLog([2, 2]);
    const other = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
    const forged = await signCheckpoint({ origin: ORIGIN, size: 4, rootHash: Buffer.alloc(32) }, other);
    objects.set(logCheckpointKey(4), Buffer.from(forged));
    expect(await verifyLog(source(objects), trust)).toEqual({ ok: false, reason: expect.stringMatching(/not signed by/) });
    const wrongRoot = await signCheckpoint({ origin: ORIGIN, size: 4, rootHash: Buffer.alloc(32) }, logKey);
    objects.set(logCheckpointKey(4), Buffer.from(wrongRoot));
    expect(await verifyLog(source(objects), trust)).toEqual({ ok: false, reason: expect.stringMatching(/differs from the signed one/) });
  });
});

describe('verifyLog and the range a group records before it', () => {
  it('accepts groups that record the true range before them and refuses one whose range before is not the log', async () => {
    const { objects } = await buildLog([3, 4]);
    const first = decodeLogGroup(objects.get(logGroupKey(0)) as Buffer);
    const second = decodeLogGroup(objects.get(logGroupKey(3)) as Buffer);
    objects.set(logGroupKey(3), encodeLogGroup({ ...second, rangeBefore: first.rangeAfter }));
    expect(await verifyLog(source(objects), trust)).toMatchObject({ ok: true, size: 7 });

    const forged = CompactRange.of(3, first.rangeAfter.hashes().map((h) => Buffer.alloc(h.length, 9)));
    objects.set(logGroupKey(3), encodeLogGroup({ ...second, rangeBefore: forged }));
    expect(await verifyLog(source(objects), trust)).toEqual({ ok: false, reason: 'log group at 3 carries a tree state before it that does not match the log' });
  });
});
