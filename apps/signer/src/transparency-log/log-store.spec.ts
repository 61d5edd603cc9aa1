import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createObjectStore, type ObjectStore } from '@fleetsign/storage';
import { CompactRange, entryLeafHash, type LogGroup, LogLayout } from '@fleetsign/tlog';
import { sampleLogEntry } from '@fleetsign/tlog/testing/sample-entry';
import { LogStore } from './log-store';

// The revocation status index: every entry has a pointer under the SHA-256 of its signed
// file and of its image, written with the group and rebuildable from the groups alone.

let dir: string;
let store: ObjectStore;
const layout = new LogLayout();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'log-store-'));
  store = createObjectStore({ driver: 'fs', root: dir, publicBaseUrl: 'http://127.0.0.1:1', signingSecret: 'x'.repeat(32) });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function group(start: number, count: number, digest: (seq: number) => string): LogGroup {
  const range = CompactRange.empty();
  const entries = Array.from({ length: start + count }, (_, seq) =>
    sampleLogEntry(seq, { imageSha256: digest(seq).replace(/^./, 'e'), signed: { key: `signed/acme/job_${seq}.bin`, sha256: digest(seq), size: 8192, signedDataLength: 4096 } }),
  );
  for (const entry of entries) range.append(entryLeafHash(entry));
  return { start, entries: entries.slice(start), rangeAfter: range };
}

async function listed(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys.sort();
}

describe('LogStore digest pointers', () => {
  const digest = (seq: number) => (seq % 2 === 0 ? 'a' : 'b').repeat(64);

  it('writes a pointer under the signed file and the image SHA-256 of every entry with the job pointers', async () => {
    const logStore = new LogStore(store, layout);
    const first = group(0, 3, digest);
    expect(await logStore.createGroup(first)).toBe(true);
    await logStore.writeJobPointers(first);
    expect(await listed(layout.digestPrefix(digest(0)))).toEqual([layout.digestKey(digest(0), 0), layout.digestKey(digest(0), 2)]);
    expect(await listed(layout.digestPrefix(digest(1).replace(/^./, 'e')))).toEqual([layout.digestKey(digest(1).replace(/^./, 'e'), 1)]);
  });

  it('rebuilds the index of a log written without it once, then leaves it to the appends', async () => {
    const logStore = new LogStore(store, layout);
    for (const built of [group(0, 2, digest), group(2, 2, digest)]) expect(await logStore.createGroup(built)).toBe(true);
    expect(await listed(layout.digestPrefix(digest(1)))).toEqual([]);
    expect(await logStore.completeDigestIndex()).toBe(4);
    expect(await listed(layout.digestPrefix(digest(1)))).toEqual([layout.digestKey(digest(1), 1), layout.digestKey(digest(1), 3)]);
    expect(await logStore.findJob('job_3')).toMatchObject({ entry: { seq: 3 } });
    expect(await logStore.completeDigestIndex()).toBe(0);
  });
});
