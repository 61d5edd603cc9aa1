import { type BatchManifest, batchItemJobId, type FinishedItem } from '@fleetsign/queue';
import { MANIFEST_PAGE_SIZE, type ManifestHeader, manifestText, writeManifest } from './batch-manifest';

const header = (total: number): ManifestHeader => ({
  batchId: 'batch_1',
  tenant: 'acme',
  profile: 'rel',
  scheme: 'sbv2-ecdsa-p256',
  createdAt: '2026-01-01T00:00:00.000Z',
  completedAt: '2026-01-01T01:00:00.000Z',
  counts: { total, succeeded: total - 1, failed: 1 },
});

function itemAt(index: number): FinishedItem {
  const base = { index, name: `v${index}.bin`, sourceKey: `incoming/acme/v${index}.bin` };
  if (index === 1)
    return { ...base, outcome: { state: 'failed', error: { code: 'INVALID_IMAGE', message: 'bad' } } };
  return {
    ...base,
    outcome: {
      state: 'succeeded',
      signedKey: `signed/acme/${index}.bin`,
      imageSha256: 'i',
      signedSha256: 's',
      blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: 'k' }],
      ...(index === 2 ? { reused: true } : {}),
      log: { index: 10 + index, leafHash: 'ab'.repeat(32) },
    },
  };
}

function reader(total: number, reads: Array<[number, number]> = []) {
  return async (start: number, count: number) => {
    reads.push([start, count]);
    return Array.from({ length: Math.max(0, Math.min(count, total - start)) }, (_, k) => itemAt(start + k));
  };
}

async function text(gen: AsyncGenerator<string>): Promise<string> {
  let all = '';
  for await (const chunk of gen) all += chunk;
  return all;
}

describe('manifestText', () => {
  it('writes the header and every item in index order as one JSON document, reading page by page', async () => {
    const total = MANIFEST_PAGE_SIZE * 2 + 3;
    const reads: Array<[number, number]> = [];
    const manifest = JSON.parse(
      await text(manifestText(header(total), reader(total, reads))),
    ) as BatchManifest;
    expect(reads).toEqual([
      [0, MANIFEST_PAGE_SIZE],
      [MANIFEST_PAGE_SIZE, MANIFEST_PAGE_SIZE],
      [MANIFEST_PAGE_SIZE * 2, 3],
    ]);
    expect({ ...manifest, items: undefined }).toEqual({ ...header(total), items: undefined });
    expect(manifest.items.map((item) => item.index)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(manifest.items[0]).toEqual({
      index: 0,
      name: 'v0.bin',
      sourceKey: 'incoming/acme/v0.bin',
      state: 'succeeded',
      jobId: batchItemJobId('batch_1', 0),
      signedKey: 'signed/acme/0.bin',
      imageSha256: 'i',
      signedSha256: 's',
      blocks: [{ index: 0, algorithm: 'ecdsa-p256', keyDigest: 'k' }],
      log: { index: 10, leafHash: 'ab'.repeat(32) },
    });
    expect(manifest.items[1]).toEqual({
      index: 1,
      name: 'v1.bin',
      sourceKey: 'incoming/acme/v1.bin',
      state: 'failed',
      jobId: batchItemJobId('batch_1', 1),
      error: { code: 'INVALID_IMAGE', message: 'bad' },
    });
    expect(manifest.items[2].reused).toBe(true);
  });

  it('fails rather than write a manifest with items missing', async () => {
    await expect(text(manifestText(header(10), reader(7)))).rejects.toThrow(/only 7 of 10/);
    await expect(
      text(manifestText(header(MANIFEST_PAGE_SIZE + 1), reader(MANIFEST_PAGE_SIZE))),
    ).rejects.toThrow(/missing/);
  });
});

describe('writeManifest', () => {
  it('streams the document to the store as JSON', async () => {
    let stored = '';
    const store = {
      put: async (key: string, body: Buffer | NodeJS.ReadableStream, opts?: { contentType?: string }) => {
        expect(key).toBe('batches/acme/batch_1/manifest.json');
        expect(opts?.contentType).toBe('application/json');
        for await (const chunk of body as AsyncIterable<Buffer>) stored += chunk.toString('utf8');
        return { size: Buffer.byteLength(stored) };
      },
    };
    const size = await writeManifest(store, 'batches/acme/batch_1/manifest.json', header(3), reader(3));
    expect(size).toBe(Buffer.byteLength(stored));
    expect((JSON.parse(stored) as BatchManifest).items).toHaveLength(3);
  });
});
