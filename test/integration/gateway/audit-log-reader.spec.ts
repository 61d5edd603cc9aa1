import { sampleLogEntry } from '@fleetsign/tlog/testing/sample-entry';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore, objectSource } from '@fleetsign/storage';
import { CompactRange, encodeLogGroup, entryLeafHash, type LogEntry, LogLayout, LogTreeReader, MAX_LOG_OBJECT_BYTES, inclusionProof, leafRangeHasher } from '@fleetsign/tlog';
import { requireTestEnv } from '../../support/test-env';

// The gateway's cached view of the log over a real fs store: it reads only new groups,
// and a group whose stored range does not match its entries never enters the cache.

const layout = new LogLayout();

describe('LogTreeReader', () => {
  let dir: string;
  let store: FsObjectStore;
  const range = CompactRange.empty();
  const all: LogEntry[] = [];

  async function writeGroup(count: number, corruptRange = false): Promise<void> {
    const start = range.size;
    const entries = Array.from({ length: count }, (_, i) => sampleLogEntry(start + i));
    const after = range.clone();
    for (const e of entries) after.append(entryLeafHash(e));
    const stored = corruptRange ? CompactRange.of(after.size, after.hashes().map((h) => Buffer.alloc(h.length, 7))) : after;
    await store.put(layout.groupKey(start), encodeLogGroup({ start, entries, rangeAfter: stored }));
    if (!corruptRange) {
      for (const e of entries) range.append(entryLeafHash(e));
      all.push(...entries);
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'audit-reader-'));
    store = new FsObjectStore({ root: dir, publicBaseUrl: 'http://127.0.0.1:1/', signingSecret: 'x'.repeat(32) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('catches up group by group and serves the same proofs as the full tree', async () => {
    const reader = new LogTreeReader(objectSource(store, MAX_LOG_OBJECT_BYTES), layout);
    await reader.catchUp();
    expect(reader.size).toBe(0);
    await writeGroup(3);
    await writeGroup(4);
    await Promise.all([reader.catchUp(), reader.catchUp()]);
    expect(reader.size).toBe(7);
    await writeGroup(2);
    await reader.catchUp();
    expect(reader.size).toBe(9);
    const leaves = all.map(entryLeafHash);
    for (let i = 0; i < 9; i++) expect(inclusionProof(i, 9, reader.rangeHasher)).toEqual(inclusionProof(i, 9, leafRangeHasher(leaves)));
    expect((await reader.entries(2, 8)).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await reader.entries(8, 100)).map((e) => e.seq)).toEqual([8]);
  });

  it('refuses a group whose stored range does not match its entries, and keeps its cache as it was', async () => {
    const reader = new LogTreeReader(objectSource(store, MAX_LOG_OBJECT_BYTES), layout);
    await reader.catchUp();
    await writeGroup(2, true);
    await expect(reader.catchUp()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(reader.size).toBe(9);
    expect(reader.rangeHasher(0, 9).equals(range.root())).toBe(true);
  });
});
