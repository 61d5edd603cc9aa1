import { SAMPLE_SHA256, sampleLogEntry } from '@fleetsign/tlog/testing/sample-entry';
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { QueueName, createWorker } from '@fleetsign/queue';
import {
  CompactRange,
  decodeLogGroup,
  encodeLogGroup,
  encodeLogJobPointer,
  entryLeafHash,
  type LogEntry,
  logEntrySchema,
  openCheckpoint,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
} from '@fleetsign/tlog';
import { requireTestEnv } from '../../support/test-env';
import { TestLog } from '../../support/transparency-log';
import { fleetsign } from '../cli/cli-test-kit';
import { type GatewayHarness, PROFILES, pollUntil, startGatewayHarness } from './gateway-harness';

const SHA = SAMPLE_SHA256;
const hashes = (hex: string[]) => hex.map((h) => Buffer.from(h, 'hex'));

describe('GET /v1/audit/* (the transparency log over HTTP, objects in a real s3rver bucket)', () => {
  const log = new TestLog();
  let h: GatewayHarness;
  /** Checkpoint notes by tree size, as the signer writes them. */
  const notes = new Map<number, string>();
  let entries: LogEntry[] = [];
  const logKey = () => createPemSigner(log.keyPem);

  function entry(seq: number, tenant: string): LogEntry {
    return logEntrySchema.parse(sampleLogEntry(seq, { tenant, jobId: `job_${String(seq).padStart(32, '0')}`, profile: 'rel-p256' }));
  }

  /** Appends groups of `sizes` entries (alternating tenants A and B) as the signer does, a checkpoint after each. */
  async function appendGroups(sizes: number[]): Promise<void> {
    const range = CompactRange.empty();
    for (const e of entries) range.append(entryLeafHash(e));
    for (const count of sizes) {
      const start = range.size;
      const group = Array.from({ length: count }, (_, i) => entry(start + i, (start + i) % 3 === 0 ? h.tenantB : h.tenantA));
      for (const e of group) range.append(entryLeafHash(e));
      await h.store.put(log.layout.groupKey(start), encodeLogGroup({ start, entries: group, rangeAfter: range.clone() }), { ifNoneMatch: true });
      for (const e of group) await h.store.put(log.layout.jobKey(e.jobId), encodeLogJobPointer({ seq: e.seq, group: start }));
      const note = await signCheckpoint({ origin: log.origin, size: range.size, rootHash: range.root() }, logKey());
      await h.store.put(log.layout.checkpointKey(range.size), Buffer.from(note));
      await h.store.put(log.layout.latestCheckpointKey, Buffer.from(note));
      notes.set(range.size, note);
      entries = [...entries, ...group];
    }
  }

  const getJson = async (path: string, token: string) => {
    const res = await h.api(path, { token });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
  };
  const checkpointOf = (note: string) => openCheckpoint(note, { origin: log.origin, publicKey: logKey().publicKey });

  beforeAll(async () => {
    h = await startGatewayHarness({}, (dir) => ({ transparency_log: log.configSection(dir) }));
  });

  afterAll(async () => {
    await h?.close();
  });

  it('answers 404 NOT_FOUND while the log has no checkpoint and no key', async () => {
    const checkpoint = await getJson('/v1/audit/checkpoint', h.tokenOperator);
    expect(checkpoint.status).toBe(404);
    expect(checkpoint.type).toContain('application/problem+json');
    expect(checkpoint.body.code).toBe('NOT_FOUND');
    expect((await getJson('/v1/audit/public-key', h.tokenAAudit)).status).toBe(404);
  });

  it('refuses keys without the audit or operator scope (403) and requests without a key (401)', async () => {
    const forbidden = await getJson('/v1/audit/checkpoint', h.tokenA);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('FORBIDDEN');
    expect((await h.api('/v1/audit/entries?start=0&end=1')).status).toBe(401);
  });

  it('serves the newest checkpoint and the public key it verifies with', async () => {
    await appendGroups([5, 3]);
    await h.store.put(log.layout.publicKeyKey, Buffer.from(logKey().publicKey.export({ type: 'spki', format: 'pem' }) as string));
    const res = await getJson('/v1/audit/checkpoint', h.tokenAAudit);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ origin: log.origin, size: 8, note: notes.get(8) });
    const plain = await h.api('/v1/audit/checkpoint', { token: h.tokenAAudit, headers: { accept: 'text/plain' } });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await plain.text()).toBe(notes.get(8));
    const key = await getJson('/v1/audit/public-key', h.tokenAAudit);
    expect(key.status).toBe(200);
    const publicKey = createPublicKey(key.body.publicKeyPem as string);
    const checkpoint = openCheckpoint(res.body.note as string, { origin: log.origin, publicKey });
    expect(checkpoint.rootHash.toString('base64')).toBe(res.body.rootHash);
  });

  it('pages entries: an operator sees every tenant, an audit key only its own', async () => {
    const all = await getJson('/v1/audit/entries?start=2&end=7', h.tokenOperator);
    expect(all.status).toBe(200);
    expect((all.body.entries as LogEntry[]).map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(all.body).toMatchObject({ start: 2, end: 7, treeSize: 8 });
    const own = await getJson('/v1/audit/entries?start=0&end=100', h.tokenAAudit);
    expect(own.status).toBe(200);
    expect(own.body.end).toBe(8);
    const ownEntries = own.body.entries as LogEntry[];
    expect(ownEntries.map((e) => e.seq)).toEqual([1, 2, 4, 5, 7]);
    expect(ownEntries.every((e) => e.tenant === h.tenantA)).toBe(true);
    expect(ownEntries[0]).toEqual(entries[1]);
  });

  it.each([
    ['a page past the bound', 'start=0&end=1001'],
    ['an empty range', 'start=4&end=4'],
    ['a negative start', 'start=-1&end=3'],
    ['a missing end', 'start=0'],
    ['an unknown parameter', 'start=0&end=1&tenant=x'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_case, query) => {
    const res = await getJson(`/v1/audit/entries?${query}`, h.tokenOperator);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it("proves a job's inclusion in the newest checkpoint; the proof verifies with libs/tlog", async () => {
    await appendGroups([6]);
    for (const seq of [0, 1, 7, 13]) {
      const token = entries[seq].tenant === h.tenantA ? h.tokenAAudit : h.tokenOperator;
      const res = await getJson(`/v1/audit/proofs/${entries[seq].jobId}`, token);
      expect(res.status).toBe(200);
      expect(res.body.entry).toEqual(entries[seq]);
      const checkpointView = res.body.checkpoint as { note: string; size: number };
      expect(checkpointView.size).toBe(14);
      const checkpoint = checkpointOf(checkpointView.note);
      const leaf = entryLeafHash(entries[seq]);
      expect(res.body.leafHash).toBe(leaf.toString('hex'));
      expect(verifyInclusion(leaf, seq, checkpoint.size, hashes(res.body.inclusionProof as string[]), checkpoint.rootHash)).toBe(true);
      expect(verifyInclusion(entryLeafHash(entries[(seq + 1) % 14]), seq, checkpoint.size, hashes(res.body.inclusionProof as string[]), checkpoint.rootHash)).toBe(false);
    }
  });

  it("answers 404 for another tenant's job and for a job without an entry", async () => {
    const ofB = entries.find((e) => e.tenant === h.tenantB) as LogEntry;
    const hidden = await getJson(`/v1/audit/proofs/${ofB.jobId}`, h.tokenAAudit);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('NOT_FOUND');
    expect((await getJson(`/v1/audit/proofs/job_${'f'.repeat(32)}`, h.tokenOperator)).status).toBe(404);
    for (const id of ['..%2F..%2Fcheckpoint', 'job_..', 'job_a.b%2F..']) {
      const odd = await getJson(`/v1/audit/proofs/${id}`, h.tokenOperator);
      expect(odd.status).toBe(404);
      expect(odd.body.code).toBe('NOT_FOUND');
    }
  });

  it('proves consistency between two checkpoints, and the proof verifies', async () => {
    await appendGroups([1, 9]);
    const sizes = [...notes.keys()];
    for (const [from, to] of [
      [5, 8],
      [8, 24],
      [5, 24],
      [14, 15],
    ]) {
      expect(sizes).toEqual(expect.arrayContaining([from, to]));
      const res = await getJson(`/v1/audit/consistency?from=${from}&to=${to}`, h.tokenAAudit);
      expect(res.status).toBe(200);
      const older = checkpointOf(notes.get(from) as string);
      const newer = checkpointOf(notes.get(to) as string);
      expect(verifyConsistency(from, to, hashes(res.body.proof as string[]), older.rootHash, newer.rootHash)).toBe(true);
      expect(verifyConsistency(from, to, hashes(res.body.proof as string[]), newer.rootHash, older.rootHash)).toBe(false);
    }
  });

  it('refuses a consistency proof backwards (400) or past the log (404)', async () => {
    const backwards = await getJson('/v1/audit/consistency?from=8&to=5', h.tokenOperator);
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('VALIDATION_FAILED');
    const past = await getJson('/v1/audit/consistency?from=8&to=25', h.tokenOperator);
    expect(past.status).toBe(404);
    expect(past.body.code).toBe('NOT_FOUND');
  });

  it('GET /v1/jobs/:id adds the newest checkpoint and the inclusion proof to result.log', async () => {
    const seq = 2;
    const worker = createWorker(
      QueueName.Sign,
      async (job) => ({
        imageSha256: SHA,
        signedSha256: SHA,
        signedKey: job.data.signedKey,
        signedSize: 8192,
        signedDataLength: 4096,
        scheme: 'sbv2-ecdsa-p256',
        blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: SHA }],
        log: { index: seq, leafHash: entryLeafHash(entries[seq]).toString('hex') },
        timings: { fetchMs: 1, signMs: 1, storeMs: 1, totalMs: 3 },
      }),
      { connection: h.redis, prefix: h.prefix, concurrency: 1 },
    );
    try {
      const sourceKey = `incoming/${h.tenantA}/audit-${log.layout.root.slice(0, -1)}.bin`;
      await h.store.put(sourceKey, Buffer.alloc(4096, 1));
      const created = await h.api('/v1/jobs', { method: 'POST', token: h.tokenA, json: { profile: PROFILES.p256, source: { key: sourceKey } } });
      expect(created.status).toBe(202);
      const { id } = (await created.json()) as { id: string };
      const done = await pollUntil(() => getJson(`/v1/jobs/${id}`, h.tokenA), (r) => r.body.state === 'succeeded');
      expect(done.body.state).toBe('succeeded');
      const receipt = (done.body.result as { log: { index: number; leafHash: string; checkpoint: string; inclusionProof: string[] } }).log;
      expect(receipt.checkpoint).toBe(notes.get(24));
      const checkpoint = checkpointOf(receipt.checkpoint);
      expect(verifyInclusion(entryLeafHash(entries[seq]), seq, checkpoint.size, hashes(receipt.inclusionProof), checkpoint.rootHash)).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('lists every stored checkpoint page by page (GET /v1/audit/checkpoints)', async () => {
    const sizes = [...notes.keys()].sort((a, b) => a - b);
    const first = await getJson('/v1/audit/checkpoints?limit=2', h.tokenAAudit);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ checkpoints: sizes.slice(0, 2).map((size) => ({ size, note: notes.get(size) })), next: sizes[1] });
    const rest = await getJson(`/v1/audit/checkpoints?after=${sizes[1]}`, h.tokenAAudit);
    expect(rest.body).toEqual({ checkpoints: sizes.slice(2).map((size) => ({ size, note: notes.get(size) })) });
    expect((await getJson('/v1/audit/checkpoints?limit=101', h.tokenAAudit)).status).toBe(400);
    expect((await getJson('/v1/audit/checkpoints', h.tokenA)).status).toBe(403);
  });

  describe('fleetsign audit online (through these routes)', () => {
    const online = (token: string) => ['--url', h.url, '--api-key', token];
    const savedPath = () => join(requireTestEnv('tmpRoot'), `audit-online-${log.layout.root.slice(0, -1)}.checkpoint`);

    it('verify recomputes the whole log with an operator key and exits 0', async () => {
      writeFileSync(savedPath(), notes.get(8) as string);
      const run = await fleetsign(['audit', 'verify', ...online(h.tokenOperator), '--trusted-checkpoint', savedPath()]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      // Every stored checkpoint is checked, as offline: not only the newest.
      expect(run.stdout).toMatch(new RegExp(`^ok: 24 entries, root \\S+, ${notes.size} checkpoints verified; extends the trusted checkpoint`));
    });

    it('verify checks every stored checkpoint: an older one signed with another key fails it (exit 1, one line)', async () => {
      const key = log.layout.checkpointKey(8);
      const original = await h.store.getBuffer(key);
      const rootHash = openCheckpoint(notes.get(8) as string, { origin: log.origin, publicKey: logKey().publicKey }).rootHash;
      const forged = await signCheckpoint({ origin: log.origin, size: 8, rootHash }, createPemSigner(generateSigningKeyPem('ecdsa-p256')));
      await h.store.put(key, Buffer.from(forged));
      try {
        const run = await fleetsign(['audit', 'verify', ...online(h.tokenOperator)]);
        expect(run.code).toBe(1);
        expect(run.stderr).toMatch(/^audit: log\/checkpoints\/000000000008: note is not signed by .*\n$/);
      } finally {
        await h.store.put(key, original);
      }
    });

    it("verify with an audit key (its tenant's entries only) exits 2 naming the operator scope", async () => {
      const run = await fleetsign(['audit', 'verify', ...online(h.tokenAAudit)]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/operator scope/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });

    it('checkpoint --out saves the newest checkpoint after checking its signature', async () => {
      const out = `${savedPath()}.latest`;
      const run = await fleetsign(['audit', 'checkpoint', ...online(h.tokenAAudit), '--out', out]);
      expect(run.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(notes.get(24));
    });

    it("prove checks a job's inclusion and that the newest checkpoint extends a saved one", async () => {
      const seq = 4;
      const run = await fleetsign(['audit', 'prove', entries[seq].jobId, ...online(h.tokenAAudit), '--checkpoint', savedPath()]);
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ jobId: entries[seq].jobId, index: seq, treeSize: 24 });
      const ofB = entries.find((e) => e.tenant === h.tenantB) as LogEntry;
      expect((await fleetsign(['audit', 'prove', ofB.jobId, ...online(h.tokenAAudit)])).code).toBe(2);
    });

    it('verify detects an entry edited in the store (exit 1, one line)', async () => {
      const key = log.layout.groupKey(14);
      const group = decodeLogGroup(await h.store.getBuffer(key));
      const edited = group.entries.map((e) => ({ ...e, profile: 'rel-rsa' }));
      await h.store.put(key, encodeLogGroup({ ...group, entries: edited }));
      const run = await fleetsign(['audit', 'verify', ...online(h.tokenOperator), '--trusted-checkpoint', savedPath()]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^audit: .*differs from the signed one\n$/);
    });
  });
});
