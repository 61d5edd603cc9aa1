import { randomUUID } from 'node:crypto';
import { type BatchView, type FleetSignApi, MANIFEST_MAX_BYTES, fetchBytes } from '@fleetsign/api';
import { WebhookEventType } from '@fleetsign/queue';
import { nowMs } from '../core/measure';
import type { StagedImage } from './stage-images';
import type { WebhookReceiver } from './webhook-receiver';

/** The manifest of a completed batch, from its presigned download URL (no API key). */
export async function readManifest(downloadUrl: string): Promise<Manifest> {
  return JSON.parse((await fetchBytes(downloadUrl, MANIFEST_MAX_BYTES)).toString('utf8')) as Manifest;
}

/** The manifest fields the benchmark checks. */
export interface Manifest {
  batchId: string;
  counts: { total: number; succeeded: number; failed: number };
  items: Array<{
    index: number;
    sourceKey: string;
    state: string;
    jobId: string;
    signedSha256?: string;
    reused?: boolean;
    error?: { code: string };
  }>;
}

/** One batch from POST /v1/batches to its `batch.completed` webhook, checked. */
export interface BatchRun {
  batchId: string;
  items: number;
  /** Item job ids in index order (from the manifest). */
  jobIds: string[];
  /** Seconds from sending POST /v1/batches to its 202 (every item enqueued). */
  postSeconds: number;
  /** Seconds from sending POST /v1/batches to the arrival of the verified webhook: the measured time. */
  seconds: number;
  /** items / seconds. */
  imagesPerSecond: number;
  /** nowMs() when the POST was sent and when the webhook arrived. */
  startedAt: number;
  webhookAt: number;
  /** Seconds from the POST to the batch's finishedAt (manifest written), by the gateway's clock. */
  manifestSeconds?: number;
  /** Webhook delivery attempts the gateway reports. */
  webhookAttempts?: number;
}

/** How to run one batch. */
export interface BatchRunOptions {
  profile: string;
  /** Longest wait for the batch webhook. */
  timeoutMs: number;
  /** Called once POST /v1/batches answered 202 (the items are in the queue). */
  onAccepted?: (batchId: string) => void;
}

function fail(batchId: string, problem: string): never {
  throw new Error(`batch ${batchId}: ${problem}`);
}

/** Throws unless every item succeeded, once, with a signature of its own (no reuse), in index order. */
export function checkManifest(manifest: Manifest, batchId: string, images: readonly StagedImage[]): void {
  const { counts, items } = manifest;
  const total = images.length;
  if (manifest.batchId !== batchId) fail(batchId, `manifest names batch ${manifest.batchId}`);
  if (counts.total !== total || counts.succeeded !== total || counts.failed !== 0)
    fail(batchId, `manifest counts ${JSON.stringify(counts)}, expected ${total} succeeded and none failed`);
  if (items.length !== total) fail(batchId, `manifest lists ${items.length} items, expected ${total}`);
  const failed = items.filter((item) => item.state !== 'succeeded');
  if (failed.length > 0) {
    const codes = [...new Set(failed.map((item) => item.error?.code ?? item.state))].join(', ');
    fail(batchId, `${failed.length} manifest items did not succeed (${codes})`);
  }
  items.forEach((item, index) => {
    if (item.index !== index || item.sourceKey !== images[index].key)
      fail(batchId, `manifest item ${index} is ${item.index} ${item.sourceKey}`);
    if (!item.signedSha256) fail(batchId, `manifest item ${index} has no signedSha256`);
  });
  const reused = items.filter((item) => item.reused).length;
  // Every staged image is distinct: reuse would mean the figure did not measure signing.
  if (reused > 0) fail(batchId, `${reused} items reused an earlier signature`);
  if (new Set(items.map((item) => item.jobId)).size !== total) fail(batchId, 'item job ids repeat');
}

function checkEvent(receiver: WebhookReceiver, batchId: string, total: number): void {
  const event = receiver.events.get(batchId)!;
  if (event.type !== String(WebhookEventType.BatchCompleted))
    fail(batchId, `webhook type ${event.type}, expected ${WebhookEventType.BatchCompleted}`);
  if (event.eventId !== `evt_${batchId}`) fail(batchId, `webhook event id ${event.eventId}`);
  const counts = event.data.counts as Manifest['counts'] | undefined;
  if (event.state !== 'completed' || counts?.succeeded !== total || counts.failed !== 0)
    fail(batchId, `webhook says ${event.state} with counts ${JSON.stringify(counts)}`);
}

/**
 * Submits the images as one batch with the receiver's webhook and times it from
 * sending POST /v1/batches to the verified `batch.completed` webhook; then checks the
 * event, GET /v1/batches/:id and the manifest: every item succeeded, none failed, none
 * reused. Throws on any difference.
 */
export async function runBatch(
  client: FleetSignApi,
  receiver: WebhookReceiver,
  images: readonly StagedImage[],
  options: BatchRunOptions,
): Promise<BatchRun> {
  const startedAtWall = Date.now();
  const startedAt = nowMs();
  const { id: batchId } = await client.createBatch(
    {
      profile: options.profile,
      items: images.map((image) => ({ source: { key: image.key, sha256: image.sha256 } })),
      webhook: { url: receiver.url },
      metadata: { kind: 'bench' },
    },
    randomUUID(),
  );
  const postSeconds = (nowMs() - startedAt) / 1000;
  options.onAccepted?.(batchId);
  await receiver.waitForJobs([batchId], options.timeoutMs);
  const webhookAt = receiver.events.get(batchId)!.receivedAt;
  checkEvent(receiver, batchId, images.length);
  const view: BatchView = await client.getBatch(batchId);
  if (view.state !== 'completed' || !view.manifest)
    fail(batchId, `GET /v1/batches says ${view.state} after its webhook`);
  if (view.counts.succeeded !== images.length || view.counts.failed !== 0)
    fail(batchId, `GET /v1/batches counts ${JSON.stringify(view.counts)}`);
  const manifest = await readManifest(view.manifest.downloadUrl);
  checkManifest(manifest, batchId, images);
  const seconds = (webhookAt - startedAt) / 1000;
  return {
    batchId,
    items: images.length,
    jobIds: manifest.items.map((item) => item.jobId),
    postSeconds,
    seconds,
    imagesPerSecond: images.length / seconds,
    startedAt,
    webhookAt,
    ...(view.finishedAt ? { manifestSeconds: (Date.parse(view.finishedAt) - startedAtWall) / 1000 } : {}),
    ...(view.webhook ? { webhookAttempts: view.webhook.attempts } : {}),
  };
}
