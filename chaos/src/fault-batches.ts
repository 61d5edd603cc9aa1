import { randomUUID } from 'node:crypto';
import type { BatchView, FleetSignApi } from '@fleetsign/api';
import { pollUntil } from '@fleetsign/devstack';
import { createQueue, createRedisConnection, QueueName, queuePrefix } from '@fleetsign/queue';
import { readManifest } from '../../bench/src/e2e/batch-run';
import { progress } from '../../bench/src/core/progress';
import { allocateSeeds, type StagedImage, stageImages } from '../../bench/src/e2e/stage-images';
import type { WebhookReceiver } from '../../bench/src/e2e/webhook-receiver';
import type { ChaosStack } from './chaos-stack';
import type { FaultContext, FaultRecord } from './faults';
import type { ItemOutcome } from './tally';

/** One batch run under one fault. */
export interface FaultBatch {
  fault: FaultRecord;
  batchId: string;
  items: number;
  /** The batch reached `completed` (its webhook arrived) within the bound. */
  completed: boolean;
  seconds: number;
  /** Per item from the manifest; for a batch that never completed, its counts. */
  outcomes: ItemOutcome[];
  /** Succeeded items with the digest the manifest reported, for the re-verification. */
  signed: Array<{ jobId: string; signedSha256?: string }>;
}

/** A fault to inject while one batch runs. */
export interface FaultPhase {
  name: string;
  inject(ctx: FaultContext): Promise<FaultRecord>;
}

/** Size of each image: small, so the run measures the record, not the hashing. */
export const CHAOS_IMAGE_BYTES = 16 * 1024;

/** GET /v1/batches/:id, waiting out a gateway that answers 503 while a part recovers (bounded). */
function batchView(client: FleetSignApi, batchId: string): Promise<BatchView> {
  return pollUntil(() => client.getBatch(batchId), { timeoutMs: 60_000, intervalMs: 500, description: `GET /v1/batches/${batchId}` });
}

async function outcomesOf(client: FleetSignApi, view: BatchView): Promise<Pick<FaultBatch, 'outcomes' | 'signed'>> {
  if (view.state === 'completed' && view.manifest) {
    const manifest = await readManifest(view.manifest.downloadUrl);
    return {
      outcomes: manifest.items.map((item) => ({ jobId: item.jobId, state: item.state, errorCode: item.error?.code })),
      signed: manifest.items
        .filter((item) => item.state === 'succeeded')
        .map((item) => ({ jobId: item.jobId, signedSha256: item.signedSha256 })),
    };
  }
  // Not completed: only the counts are known; the rest of the items count as lost.
  const { succeeded, failed } = view.counts;
  return {
    outcomes: [
      ...Array.from({ length: succeeded }, () => ({ jobId: '', state: 'succeeded' })),
      ...Array.from({ length: failed }, () => ({ jobId: '', state: 'failed', errorCode: 'UNREPORTED' })),
    ],
    signed: [],
  };
}

/**
 * Runs each phase: stages its images first, submits them as one batch over HTTP, injects
 * the fault while the batch runs, then waits (bounded) for the batch's webhook and reads
 * its manifest.
 */
export async function runFaultBatches(
  stack: ChaosStack,
  client: FleetSignApi,
  receiver: WebhookReceiver,
  profile: string,
  phases: readonly FaultPhase[],
  batchSize: number,
  timeoutMs: number,
): Promise<FaultBatch[]> {
  const staged: StagedImage[][] = [];
  for (const phase of phases) {
    staged.push(await stageImages(stack.store, { name: `chaos-${phase.name}`, count: batchSize, bytes: CHAOS_IMAGE_BYTES, firstSeed: allocateSeeds(batchSize) }));
  }
  progress(`staged ${phases.length} x ${batchSize} images`);
  const connection = createRedisConnection(stack.redisUrl, 'producer');
  const queue = createQueue(QueueName.Sign, connection, queuePrefix(stack.redisPrefix));
  // Redis is down on purpose in one phase: the run only reads active jobs, and ioredis reconnects.
  connection.on('error', () => undefined);
  queue.on('error', () => undefined);
  const batches: FaultBatch[] = [];
  try {
    for (const [index, phase] of phases.entries()) {
      progress(`${phase.name}: batch of ${batchSize}`);
      const started = Date.now();
      const { id: batchId } = await client.createBatch(
        {
          profile,
          items: staged[index].map((image) => ({ source: { key: image.key, sha256: image.sha256 } })),
          webhook: { url: receiver.url },
          metadata: { kind: 'chaos', fault: phase.name },
        },
        randomUUID(),
      );
      const fault = await phase.inject({ stack, queue, batchDone: () => receiver.events.has(batchId) });
      const completed = await receiver.waitForJobs([batchId], timeoutMs).then(
        () => true,
        (err: unknown) => {
          progress(`  ${(err as Error).message}`);
          return false;
        },
      );
      const seconds = (Date.now() - started) / 1000;
      const view = await batchView(client, batchId);
      batches.push({ fault, batchId, items: batchSize, completed, seconds, ...(await outcomesOf(client, view)) });
      progress(`  ${view.state} in ${seconds.toFixed(1)} s: ${JSON.stringify(view.counts)}`);
    }
    return batches;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** When each job became active last (BullMQ's processedOn), read from the queue after the run. */
export async function activeAgainAt(stack: ChaosStack, jobIds: readonly string[]): Promise<Map<string, number | undefined>> {
  const connection = createRedisConnection(stack.redisUrl, 'producer');
  const queue = createQueue(QueueName.Sign, connection, queuePrefix(stack.redisPrefix));
  try {
    const times = new Map<string, number | undefined>();
    for (const id of new Set(jobIds)) times.set(id, (await queue.getJob(id))?.processedOn);
    return times;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
