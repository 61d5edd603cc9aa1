import { buildEspImage } from '@fleetsign/secure-boot';
import type { Signer } from '../../../apps/signer/src';
import { pollUntil } from '../gateway/gateway-harness';
import { BatchStack, EC_PROFILE, ESP32_C6 } from './batch-stack';

// Queue order with one signer working one job at a time, read from the order in which
// the signer completed jobs (never from wall-clock times): single release jobs go before
// batch items, and tenants' batches share the signer slice by slice.

jest.setTimeout(180_000);

interface Completion {
  jobId: string;
  tenant: string;
  batchIndex?: number;
}

function recordCompletions(signer: Signer): Completion[] {
  const order: Completion[] = [];
  signer.worker.on('completed', (job) => {
    order.push({
      jobId: job.id as string,
      tenant: job.data.tenant,
      ...(job.data.batchIndex !== undefined ? { batchIndex: job.data.batchIndex } : {}),
    });
  });
  return order;
}

describe('batch priorities', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    stack = await BatchStack.start({ fairShareSlice: 100 });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const items = (keys: string[]) => keys.map((key) => ({ source: { key } }));

  it('runs a release job ahead of the items of a running batch', async () => {
    const keys = await stack.putImages(stack.tenantA, 200, 10_000);
    const releaseKey = await stack.putSource(
      stack.tenantA,
      buildEspImage({ chipId: ESP32_C6, size: 2048, seed: 99_999 }),
    );
    const signer = await stack.startSigner(1);
    const order = recordCompletions(signer);

    const posted = await stack.postBatch(stack.tokenA, { profile: EC_PROFILE, items: items(keys) });
    expect(posted.status).toBe(202);
    const batchId = posted.body.id as string;
    // The batch is running before the release job arrives.
    await pollUntil(
      async () => order.length,
      (done) => done >= 2,
      1200,
    );
    expect(order.length).toBeGreaterThanOrEqual(2);

    const release = await stack.api('/v1/jobs', {
      method: 'POST',
      token: stack.tokenA,
      json: { profile: EC_PROFILE, source: { key: releaseKey } },
    });
    expect(release.status).toBe(202);
    const batchItemsDoneAtResponse = order.filter((c) => c.batchIndex !== undefined).length;
    const releaseId = ((await release.json()) as { id: string }).id;

    await stack.completed(stack.tokenA, batchId);
    await pollUntil(
      async () => order.some((c) => c.jobId === releaseId),
      (seen) => seen,
      400,
    );
    const itemsBeforeRelease = order.findIndex((c) => c.jobId === releaseId);
    expect(itemsBeforeRelease).toBeGreaterThanOrEqual(0);
    // At most the item the signer was on when the job arrived (plus one whose completion
    // was being reported) went first; every other item waited for the release job.
    expect(itemsBeforeRelease).toBeLessThanOrEqual(batchItemsDoneAtResponse + 2);
    expect(itemsBeforeRelease).toBeLessThan(100);
    await signer.close();
  });

  it('puts a small batch of another tenant after the first slice of a big one, not after all of it', async () => {
    const keysA = await stack.putImages(stack.tenantA, 300, 20_000);
    const keysB = await stack.putImages(stack.tenantB, 20, 30_000);
    const big = await stack.postBatch(stack.tokenA, { profile: EC_PROFILE, items: items(keysA) });
    const small = await stack.postBatch(stack.tokenB, { profile: EC_PROFILE, items: items(keysB) });
    expect([big.status, small.status]).toEqual([202, 202]);

    const signer = await stack.startSigner(1);
    const order = recordCompletions(signer);
    await stack.completed(stack.tokenA, big.body.id as string);
    await stack.completed(stack.tokenB, small.body.id as string);

    const positionsOf = (predicate: (c: Completion) => boolean) =>
      order.flatMap((c, position) => (predicate(c) ? [position] : []));
    const smallBatch = positionsOf((c) => c.tenant === stack.tenantB);
    const bigFirstSlice = positionsOf((c) => c.tenant === stack.tenantA && (c.batchIndex as number) < 100);
    const bigLaterSlices = positionsOf((c) => c.tenant === stack.tenantA && (c.batchIndex as number) >= 100);
    const bigLastSlice = positionsOf((c) => c.tenant === stack.tenantA && (c.batchIndex as number) >= 200);
    expect(smallBatch).toHaveLength(20);
    expect(bigFirstSlice).toHaveLength(100);
    expect(bigLaterSlices).toHaveLength(200);
    // Tenant B's items share the best batch priority with tenant A's first 100 items…
    expect(Math.max(...smallBatch)).toBeLessThan(Math.min(...bigLaterSlices));
    // …so they are done long before tenant A's last slice starts.
    expect(Math.max(...smallBatch)).toBeLessThan(Math.min(...bigLastSlice));
    // The tenant backlogs are released as items finish.
    expect(
      await stack.redis.exists(
        `${stack.prefix}:backlog:${stack.tenantA}`,
        `${stack.prefix}:backlog:${stack.tenantB}`,
      ),
    ).toBe(0);
  });
});
