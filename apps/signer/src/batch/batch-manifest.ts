import { Readable } from 'node:stream';
import { type BatchManifest, type BatchManifestItem, batchItemJobId, type FinishedItem } from '@fleetsign/queue';
import type { ObjectStore } from '@fleetsign/storage';
import type { ReceiptProver } from './batch-log-proofs';

/** Items read from Redis and written per manifest chunk: bounds memory for a 10,000-item batch. */
export const MANIFEST_PAGE_SIZE = 500;

/** The manifest without its items. */
export type ManifestHeader = Omit<BatchManifest, 'items'>;

/** Reads items `[start, start + count)` of the batch with their outcomes. */
export type FinishedItemReader = (start: number, count: number) => Promise<FinishedItem[]>;

/** The manifest entry of an item; `prove` adds the inclusion proof to a succeeded item's log receipt. */
export function manifestItem(batchId: string, item: FinishedItem, prove?: ReceiptProver): BatchManifestItem {
  const base = {
    index: item.index,
    name: item.name,
    sourceKey: item.sourceKey,
    jobId: batchItemJobId(batchId, item.index),
  };
  const { outcome } = item;
  if (outcome.state === 'failed') return { ...base, state: 'failed', error: outcome.error };
  return {
    ...base,
    state: 'succeeded',
    signedKey: outcome.signedKey,
    imageSha256: outcome.imageSha256,
    signedSha256: outcome.signedSha256,
    blocks: outcome.blocks,
    ...(outcome.reused ? { reused: true } : {}),
    ...(outcome.policy ? { policy: outcome.policy } : {}),
    ...(outcome.log ? { log: prove ? prove(outcome.log) : outcome.log } : {}),
  };
}

/**
 * The manifest JSON, page by page: the header fields, then one item per line in index
 * order. Only one page of items is in memory at a time. Fails if fewer items than the
 * header's total can be read.
 */
export async function* manifestText(
  header: ManifestHeader,
  read: FinishedItemReader,
  prove?: ReceiptProver,
): AsyncGenerator<string> {
  const opening = JSON.stringify({ ...header, items: [] });
  // '...,"items":[]}' -> '...,"items":[' so items can follow.
  yield `${opening.slice(0, -2)}\n`;
  const total = header.counts.total;
  for (let start = 0; start < total; start += MANIFEST_PAGE_SIZE) {
    const page = await read(start, Math.min(MANIFEST_PAGE_SIZE, total - start));
    if (page.length === 0) throw new Error(`batch ${header.batchId}: items from ${start} on are missing`);
    const lines = page.map((item) => JSON.stringify(manifestItem(header.batchId, item, prove)));
    yield `${start === 0 ? '' : ',\n'}${lines.join(',\n')}`;
    if (page.length < Math.min(MANIFEST_PAGE_SIZE, total - start)) {
      throw new Error(`batch ${header.batchId}: only ${start + page.length} of ${total} items could be read`);
    }
  }
  yield '\n]}\n';
}

/** Streams the manifest to the object store at `key` (the store makes the put atomic). */
export async function writeManifest(
  store: Pick<ObjectStore, 'put'>,
  key: string,
  header: ManifestHeader,
  read: FinishedItemReader,
  prove?: ReceiptProver,
): Promise<number> {
  const body = Readable.from(manifestText(header, read, prove), { objectMode: false });
  const result = await store.put(key, body, { contentType: 'application/json' });
  return result.size;
}
