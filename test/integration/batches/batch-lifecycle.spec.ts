import { createHash, createPublicKey } from 'node:crypto';
import type { BatchManifest, WebhookJobData } from '@fleetsign/queue';
import { verifyV2 } from '@fleetsign/secure-boot';
import { entryLeafHash, openCheckpoint, verifyInclusion } from '@fleetsign/tlog';
import { pollUntil } from '../gateway/gateway-harness';
import { BatchStack, type BatchItemBody, EC_PROFILE } from './batch-stack';

// A batch from POST to manifest with real signing: some items cannot be signed, the
// rest must be, each item is reported on its own, the manifest lists both and matches
// the signed objects, and the batch webhook is enqueued exactly once.

jest.setTimeout(120_000);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const WEBHOOK_URL = 'https://hooks.example.com/fleetsign/batches';

describe('a batch with bad items', () => {
  let stack: BatchStack;
  let batchId: string;
  let goodKeys: string[];
  let missingKey: string;
  let garbageKey: string;

  beforeAll(async () => {
    stack = await BatchStack.start();
    goodKeys = await stack.putImages(stack.tenantA, 6, 100);
    missingKey = `incoming/${stack.tenantA}/never-uploaded.bin`;
    garbageKey = await stack.putSource(
      stack.tenantA,
      Buffer.from('this is not firmware, just text that is long enough'),
    );
    await stack.startSigner(2);
    const items = [
      ...goodKeys
        .slice(0, 3)
        .map((key, i) => ({ source: { key }, name: `good-${i}.bin`, metadata: { variant: String(i) } })),
      { source: { key: missingKey } },
      ...goodKeys.slice(3).map((key, i) => ({ source: { key }, name: `good-${i + 3}.bin` })),
      { source: { key: garbageKey }, name: 'garbage.bin' },
    ];
    const posted = await stack.postBatch(stack.tokenA, {
      profile: EC_PROFILE,
      items,
      webhook: { url: WEBHOOK_URL },
      metadata: { release: '1.2.3' },
    });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({
      id: expect.stringMatching(/^batch_[0-9a-f]{32}$/),
      state: 'queued',
      total: 8,
    });
    batchId = posted.body.id as string;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('completes with every item reported, failures beside the successes', async () => {
    const done = await stack.completed(stack.tokenA, batchId);
    expect(done).toMatchObject({
      id: batchId,
      state: 'completed',
      profile: EC_PROFILE,
      total: 8,
      counts: { queued: 0, active: 0, succeeded: 6, failed: 2 },
      progress: 1,
      manifest: { key: `batches/${stack.tenantA}/${batchId}/manifest.json`, downloadUrl: expect.any(String) },
      webhook: { url: WEBHOOK_URL, eventId: `evt_${batchId}`, state: 'pending' },
    });
    expect(Date.parse(done.finishedAt as string)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));

    // Small pages exercise the cursor.
    const items = await stack.allItems(stack.tokenA, batchId, 'all', 3);
    expect(items.map((item) => item.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(items.map((item) => item.name)).toEqual([
      'good-0.bin',
      'good-1.bin',
      'good-2.bin',
      'never-uploaded.bin',
      'good-3.bin',
      'good-4.bin',
      'good-5.bin',
      'garbage.bin',
    ]);
    expect(items[3]).toMatchObject({
      state: 'failed',
      sourceKey: missingKey,
      error: { code: 'SOURCE_NOT_FOUND' },
    });
    expect(items[7]).toMatchObject({ state: 'failed', error: { code: 'INVALID_IMAGE' } });
    const succeeded = items.filter((item) => item.state === 'succeeded');
    expect(succeeded).toHaveLength(6);
    for (const item of succeeded) {
      const res = await fetch(item.downloadUrl as string);
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(item.signedSha256);
    }

    const failedOnly = await stack.allItems(stack.tokenA, batchId, 'failed', 1);
    expect(failedOnly.map((item) => item.index)).toEqual([3, 7]);
    const succeededOnly = await stack.allItems(stack.tokenA, batchId, 'succeeded', 4);
    expect(succeededOnly.map((item) => item.index)).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it('writes a manifest that matches the signed objects, and whose blocks verify', async () => {
    const view = await stack.completed(stack.tokenA, batchId);
    const manifest = (await (await fetch(view.manifest?.downloadUrl as string)).json()) as BatchManifest;
    expect(manifest).toMatchObject({
      batchId,
      tenant: stack.tenantA,
      profile: EC_PROFILE,
      scheme: 'sbv2-ecdsa-p256',
      createdAt: view.createdAt,
      counts: { total: 8, succeeded: 6, failed: 2 },
    });
    expect(manifest.items).toHaveLength(8);
    const apiItems = await stack.allItems(stack.tokenA, batchId);
    for (const entry of manifest.items) {
      const api = apiItems[entry.index] as BatchItemBody;
      expect(entry).toMatchObject({
        name: api.name,
        sourceKey: api.sourceKey,
        jobId: api.jobId,
        state: api.state,
      });
      if (entry.state === 'failed') {
        expect(entry.error?.code).toBe(api.error?.code);
        expect(entry.signedKey).toBeUndefined();
        continue;
      }
      const signed = await stack.store.getBuffer(entry.signedKey as string);
      expect(sha256(signed)).toBe(entry.signedSha256);
      expect(entry.signedSha256).toBe(api.signedSha256);
      const report = verifyV2(signed, {
        expectedKeyDigests: (entry.blocks ?? []).map((block) => Buffer.from(block.keyDigest, 'hex')),
      });
      expect(report.valid).toBe(true);
      expect(report.blocks.map((block) => block.valid)).toEqual([true]);
      // The signed data is the unsigned image padded to 4 KiB.
      expect(sha256(signed.subarray(0, signed.length - 4096))).toBe(entry.imageSha256);
    }
  });

  it("proves every signed item of the manifest against one checkpoint signed with the log key, with no further request", async () => {
    const view = await stack.completed(stack.tokenA, batchId);
    const manifest = (await (await fetch(view.manifest?.downloadUrl as string)).json()) as BatchManifest;
    const trust = { origin: stack.log.origin, publicKey: createPublicKey(stack.log.keyPem) };
    const entries = await stack.log.entries(stack.store);
    const signedItems = manifest.items.filter((item) => item.state === 'succeeded');
    expect(signedItems).toHaveLength(6);
    expect(new Set(signedItems.map((item) => item.log?.checkpoint)).size).toBe(1);
    for (const item of signedItems) {
      const receipt = item.log!;
      const tree = openCheckpoint(receipt.checkpoint as string, trust);
      expect(tree.size).toBeGreaterThan(receipt.index);
      const entry = entries[receipt.index];
      expect(entry.jobId).toBe(item.jobId);
      expect(entryLeafHash(entry).toString('hex')).toBe(receipt.leafHash);
      const proof = (receipt.inclusionProof ?? []).map((h) => Buffer.from(h, 'hex'));
      expect(verifyInclusion(entryLeafHash(entry), receipt.index, tree.size, proof, tree.rootHash)).toBe(true);
      // The proof is bound to this entry: another item's leaf does not verify with it.
      const otherIndex = signedItems.find((other) => other !== item)!.log!.index;
      expect(verifyInclusion(entryLeafHash(entries[otherIndex]), receipt.index, tree.size, proof, tree.rootHash)).toBe(false);
    }
    for (const item of manifest.items.filter((i) => i.state === 'failed')) expect(item.log).toBeUndefined();
  });

  it('enqueues the batch.completed webhook once, even when the completion runs again', async () => {
    const batchJob = await stack.batchQueue.getJob(batchId);
    expect(await batchJob?.getState()).toBe('completed');
    const firstRun = batchJob?.finishedOn as number;
    const manifestBefore = await stack.store.getBuffer(`batches/${stack.tenantA}/${batchId}/manifest.json`);

    // Run the completion again, as a redelivered job would.
    await batchJob?.retry('completed');
    const rerun = await pollUntil(
      async () => {
        const job = await stack.batchQueue.getJob(batchId);
        return { state: await job?.getState(), finishedOn: job?.finishedOn ?? 0 };
      },
      (value) => value.state === 'completed' && value.finishedOn !== firstRun,
      400,
    );
    expect(rerun.state).toBe('completed');
    expect(rerun.finishedOn).not.toBe(firstRun);

    const events = (
      await stack.webhookQueue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'])
    ).filter((job) => (job.data as WebhookJobData).batchId === batchId);
    expect(events.map((job) => job.id)).toEqual([`evt_${batchId}`]);
    expect(events[0].data).toMatchObject({
      eventId: `evt_${batchId}`,
      tenant: stack.tenantA,
      url: WEBHOOK_URL,
      type: 'batch.completed',
      payload: {
        batchId,
        tenant: stack.tenantA,
        profile: EC_PROFILE,
        state: 'completed',
        counts: { total: 8, succeeded: 6, failed: 2 },
        manifestKey: `batches/${stack.tenantA}/${batchId}/manifest.json`,
      },
    });
    // The manifest is the same document.
    expect(
      (await stack.store.getBuffer(`batches/${stack.tenantA}/${batchId}/manifest.json`)).equals(
        manifestBefore,
      ),
    ).toBe(true);
  });

  it('logs each signed item in the transparency log with its batch id and position', async () => {
    const items = await stack.allItems(stack.tokenA, batchId, 'succeeded');
    const entries = await stack.log.entries(stack.store);
    for (const item of items) {
      const logged = entries.filter((entry) => entry.jobId === item.jobId);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        jobId: item.jobId,
        batch: { id: batchId, item: item.index },
        tenant: stack.tenantA,
        profile: EC_PROFILE,
      });
      expect(logged[0].signed.sha256).toBe(item.signedSha256);
    }
  });

  it('shows each item as an ordinary job, and keeps batches and items from other tenants', async () => {
    const [first] = await stack.allItems(stack.tokenA, batchId, 'all', 1);
    const job = await stack.api(`/v1/jobs/${first.jobId}`, { token: stack.tokenA });
    expect(job.status).toBe(200);
    expect(await job.json()).toMatchObject({
      id: first.jobId,
      state: 'succeeded',
      metadata: { release: '1.2.3', variant: '0' },
    });

    expect((await stack.api(`/v1/jobs/${first.jobId}`, { token: stack.tokenB })).status).toBe(404);
    expect((await stack.batch(stack.tokenB, batchId)).status).toBe(404);
    expect((await stack.api(`/v1/batches/${batchId}/items`, { token: stack.tokenB })).status).toBe(404);
    expect((await stack.batch(stack.tokenA, 'batch_' + '0'.repeat(32))).status).toBe(404);
    expect((await stack.batch(stack.tokenA, 'not-a-batch-id')).status).toBe(404);
  });

  it('refuses malformed item queries', async () => {
    const bad = async (query: string) =>
      (await stack.api(`/v1/batches/${batchId}/items?${query}`, { token: stack.tokenA })).status;
    expect(await bad('limit=0')).toBe(400);
    expect(await bad('limit=1001')).toBe(400);
    expect(await bad('state=running')).toBe(400);
    expect(await bad('cursor=not-ours')).toBe(400);
  });
});
