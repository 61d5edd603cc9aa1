import { sampleLogEntry } from '@fleetsign/tlog/testing/sample-entry';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetSignConfig } from '@fleetsign/config';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { FsObjectStore, type ObjectStore } from '@fleetsign/storage';
import {
  CompactRange,
  encodeLogGroup,
  encodeLogJobPointer,
  entryLeafHash,
  type LogEntry,
  LogLayout,
  openCheckpoint,
  signCheckpoint,
  verifyInclusion,
} from '@fleetsign/tlog';
import { AuditService } from '../../../apps/gateway/src/audit/audit.service';
import type { Principal } from '../../../apps/gateway/src/auth/principal';
import { requireTestEnv } from '../../support/test-env';

// Proofs are served from the gateway's cached subtree hashes: once the tree is known, a
// proof request costs a constant number of store reads (the job's pointer, its group, the
// newest checkpoint), however long the log, and hashes O(log n) nodes. Counted on a real
// fs store through a store that records every read.

const layout = new LogLayout('log-reads/');
const ORIGIN = 'fleetsign.test/log-reads';
const operator: Principal = { kind: 'api_key', name: 'ops', tenant: 't', scopes: ['operator'], profiles: ['*'] };

/** The fs store, with every read (getBuffer, get) and listing recorded by key. */
function countingStore(store: ObjectStore): { store: ObjectStore; reads: string[] } {
  const reads: string[] = [];
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'getBuffer' || property === 'get' || property === 'list') {
        return (key: string, ...rest: unknown[]) => {
          reads.push(`${String(property)} ${key}`);
          return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  return { store: counted, reads };
}

describe('inclusion proofs cost a constant number of store reads', () => {
  let dir: string;
  let fs: FsObjectStore;
  const key = createPemSigner(generateSigningKeyPem('ecdsa-p256'));
  const range = CompactRange.empty();
  const entries: LogEntry[] = [];

  /** Appends `groups` groups of `size` entries, as the signer lays them out, and a checkpoint after the last. */
  async function append(groups: number, size: number): Promise<void> {
    for (let g = 0; g < groups; g++) {
      const start = range.size;
      const group = Array.from({ length: size }, (_, i) => sampleLogEntry(start + i, { jobId: `job_${String(start + i).padStart(8, '0')}` }) as LogEntry);
      for (const e of group) range.append(entryLeafHash(e));
      await fs.put(layout.groupKey(start), encodeLogGroup({ start, entries: group, rangeAfter: range.clone() }));
      await Promise.all(group.map((e) => fs.put(layout.jobKey(e.jobId), encodeLogJobPointer({ seq: e.seq, group: start }))));
      entries.push(...group);
    }
    const note = await signCheckpoint({ origin: ORIGIN, size: range.size, rootHash: range.root() }, key);
    await fs.put(layout.checkpointKey(range.size), Buffer.from(note));
    await fs.put(layout.latestCheckpointKey, Buffer.from(note));
  }

  beforeAll(() => {
    dir = mkdtempSync(join(requireTestEnv('tmpRoot'), 'audit-reads-'));
    fs = new FsObjectStore({ root: dir, publicBaseUrl: 'http://127.0.0.1:1/', signingSecret: 'x'.repeat(32) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads three objects per proof at 400 and at 2,000 entries, and only the new groups after the log grew', async () => {
    await append(50, 8);
    const { store, reads } = countingStore(fs);
    const config = { transparencyLog: { storePrefix: layout.root, origin: ORIGIN } } as unknown as FleetSignConfig;
    const audit = new AuditService(config, store);
    const proveAndCount = async (seq: number): Promise<string[]> => {
      reads.length = 0;
      const view = await audit.proof(operator, entries[seq].jobId);
      const tree = openCheckpoint(view.checkpoint!.note, { origin: ORIGIN, publicKey: key.publicKey });
      const proof = view.inclusionProof!.map((h) => Buffer.from(h, 'hex'));
      expect(verifyInclusion(entryLeafHash(entries[seq]), seq, tree.size, proof, tree.rootHash)).toBe(true);
      // An RFC 9162 path: at most ceil(log2(size)) hashes.
      expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(tree.size)));
      return [...reads];
    };

    // The first request reads the log once (every group, one look past the end).
    const first = await proveAndCount(7);
    expect(first.filter((r) => r.startsWith(`getBuffer ${layout.groupsPrefix}`)).length).toBe(50 + 1 + 1);
    // After that: the pointer, the group, the newest checkpoint. Nothing else.
    const steady = await proveAndCount(123);
    expect(steady).toEqual([
      `getBuffer ${layout.jobKey(entries[123].jobId)}`,
      `getBuffer ${layout.groupKey(120)}`,
      `getBuffer ${layout.latestCheckpointKey}`,
    ]);

    // Five times the log: a proof then reads the new groups once, and three objects after that.
    await append(200, 8);
    const grown = await proveAndCount(1_999);
    expect(grown.filter((r) => r.startsWith(`getBuffer ${layout.groupsPrefix}`)).length).toBe(1 + 200 + 1);
    for (const seq of [0, 1_234, 1_999]) {
      const again = await proveAndCount(seq);
      expect(again).toHaveLength(3);
      expect(again.some((r) => r.startsWith('list'))).toBe(false);
    }
  });
});
