import { batchItemJobId, batchRedisKeys, BatchField, tenantBacklogRedisKey } from '@fleetsign/queue';
import { BatchStack, EC_PROFILE } from './batch-stack';

// POST /v1/batches without a signer running: validation, idempotency, tenant
// isolation, and the resume of an enqueue a failed request left half done.

jest.setTimeout(60_000);

describe('POST /v1/batches', () => {
  let stack: BatchStack;
  let keysA: string[];

  beforeAll(async () => {
    stack = await BatchStack.start();
    // Sources are not read until a signer runs; they only need the tenant's prefix.
    keysA = Array.from({ length: 30 }, (_, i) => `incoming/${stack.tenantA}/variant-${i}.bin`);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const itemsOf = (keys: string[]) => keys.map((key) => ({ source: { key } }));
  const signJobCount = async () => {
    const counts = await stack.signQueue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  };

  it('accepts a batch, with the same answer and no new jobs when the request is repeated', async () => {
    const body = { profile: EC_PROFILE, items: itemsOf(keysA.slice(0, 10)), metadata: { build: '42' } };
    const first = await stack.postBatch(stack.tokenA, body, 'release-42');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^batch_[0-9a-f]{32}$/),
      state: 'queued',
      total: 10,
    });
    expect((first.body.links as { self: string }).self).toBe(
      `${stack.gateway.url}/v1/batches/${first.body.id}`,
    );
    expect(await signJobCount()).toBe(10);

    const again = await stack.postBatch(stack.tokenA, { ...body, metadata: { build: '42' } }, 'release-42');
    expect(again).toEqual({ status: 202, body: first.body });
    expect(await signJobCount()).toBe(10);

    const other = await stack.postBatch(stack.tokenA, { ...body, fresh: true }, 'release-42');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('IDEMPOTENCY_CONFLICT');

    // Another tenant's key of the same name is another batch.
    const b = await stack.postBatch(
      stack.tokenB,
      { profile: EC_PROFILE, items: [{ source: { key: `incoming/${stack.tenantB}/x.bin` } }] },
      'release-42',
    );
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(first.body.id);

    const view = await stack.batch(stack.tokenA, first.body.id as string);
    expect(view.body).toMatchObject({
      state: 'queued',
      total: 10,
      counts: { queued: 10, active: 0, succeeded: 0, failed: 0 },
      progress: 0,
      metadata: { build: '42' },
    });
    expect(view.body.manifest).toBeUndefined();
  });

  it('adds each item as a sign job with its own stable id, data and fair-share priority', async () => {
    const res = await stack.api('/v1/batches', {
      method: 'POST',
      token: stack.tokenA,
      json: { profile: EC_PROFILE, items: itemsOf(keysA.slice(10, 13)), fresh: true },
      headers: { 'x-request-id': 'release-pipeline-7.batch' },
    });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('release-pipeline-7.batch');
    const id = ((await res.json()) as { id: string }).id;
    const jobs = await Promise.all(
      [0, 1, 2].map((index) => stack.signQueue.getJob(batchItemJobId(id, index))),
    );
    expect(jobs.map((job) => job?.data.source.key)).toEqual(keysA.slice(10, 13));
    for (const [index, job] of jobs.entries()) {
      expect(job?.data).toMatchObject({
        tenant: stack.tenantA,
        profile: EC_PROFILE,
        batchId: id,
        batchIndex: index,
        fresh: true,
        signedKey: `signed/${stack.tenantA}/${job?.id}.bin`,
        // Every item carries the batch request's id into the signer's and notifier's logs.
        requestId: 'release-pipeline-7.batch',
      });
      expect(job?.opts.priority).toBeGreaterThanOrEqual(10);
    }
    const items = await stack.allItems(stack.tokenA, id);
    expect(items).toEqual(
      [0, 1, 2].map((index) => ({
        index,
        name: `variant-${10 + index}.bin`,
        sourceKey: keysA[10 + index],
        jobId: batchItemJobId(id, index),
        state: 'queued',
      })),
    );
  });

  it('finishes an enqueue that a failed request left half done, without duplicates or double counting', async () => {
    const body = { profile: EC_PROFILE, items: itemsOf(keysA.slice(13, 30)) };
    const first = await stack.postBatch(stack.tokenA, body, 'resume-me');
    const id = first.body.id as string;
    const backlogKey = tenantBacklogRedisKey(stack.prefix, stack.tenantA);
    const backlogBefore = Number(await stack.redis.get(backlogKey));
    const jobsBefore = await signJobCount();

    // As if the gateway died after reserving the chunk but before adding its last jobs.
    for (let index = 10; index < 17; index++)
      await (await stack.signQueue.getJob(batchItemJobId(id, index)))?.remove();
    await stack.redis.hset(batchRedisKeys(stack.prefix, id).record, BatchField.enqueued, '0');
    expect(await signJobCount()).toBe(jobsBefore - 7);

    const replay = await stack.postBatch(stack.tokenA, body, 'resume-me');
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(id);
    expect(await signJobCount()).toBe(jobsBefore);
    for (let index = 0; index < 17; index++)
      expect(await stack.signQueue.getJob(batchItemJobId(id, index))).toBeDefined();
    expect(Number(await stack.redis.get(backlogKey))).toBe(backlogBefore);
    expect(await stack.redis.llen(batchRedisKeys(stack.prefix, id).items)).toBe(17);
    expect(await stack.redis.hget(batchRedisKeys(stack.prefix, id).record, BatchField.enqueued)).toBe('17');
  });

  it('refuses bad batches with the item at fault named', async () => {
    const problem = async (token: string, body: unknown) => {
      const res = await stack.postBatch(token, body);
      return {
        status: res.status,
        code: res.body.code,
        paths: ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path),
      };
    };
    const foreign = [
      { source: { key: keysA[0] } },
      { source: { key: `incoming/${stack.tenantB}/theirs.bin` } },
    ];
    expect(await problem(stack.tokenA, { profile: EC_PROFILE, items: foreign })).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['items.1.source.key'],
    });

    const clash = [
      { source: { key: keysA[0] }, name: 'same.bin' },
      { source: { key: keysA[1] } },
      { source: { key: keysA[2] }, name: 'same.bin' },
    ];
    expect(await problem(stack.tokenA, { profile: EC_PROFILE, items: clash })).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['items.2.name'],
    });

    const defaultClash = [{ source: { key: keysA[0] } }, { source: { key: keysA[0] } }];
    expect((await problem(stack.tokenA, { profile: EC_PROFILE, items: defaultClash })).paths).toEqual([
      'items.1.name',
    ]);

    expect(
      (
        await problem(stack.tokenA, {
          profile: EC_PROFILE,
          items: [{ source: { key: keysA[0] }, name: '../escape.bin' }],
        })
      ).paths,
    ).toEqual(['items.0.name']);
    expect((await problem(stack.tokenA, { profile: EC_PROFILE, items: [] })).status).toBe(400);
    expect(
      (await problem(stack.tokenA, { profile: EC_PROFILE, items: itemsOf(keysA.slice(0, 1)), priority: 1 }))
        .status,
    ).toBe(400);
    expect(await problem(stack.tokenA, { profile: 'nope', items: itemsOf(keysA.slice(0, 1)) })).toMatchObject(
      { status: 422, code: 'UNKNOWN_PROFILE' },
    );
    expect(
      await problem(stack.tokenAJobsOnly, { profile: EC_PROFILE, items: itemsOf(keysA.slice(0, 1)) }),
    ).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('takes bodies past the job body limit up to the batch body limit', async () => {
    // The test gateway's job body limit is 16 KiB; this batch is about 10 times that.
    const keys = Array.from(
      { length: 2000 },
      (_, i) => `incoming/${stack.tenantA}/big-batch-variant-${String(i).padStart(5, '0')}.bin`,
    );
    const posted = await stack.postBatch(stack.tokenA, { profile: EC_PROFILE, items: itemsOf(keys) });
    expect(posted.status).toBe(202);
    expect(posted.body.total).toBe(2000);
    const big = await stack.api('/v1/jobs', {
      method: 'POST',
      token: stack.tokenA,
      json: {
        profile: EC_PROFILE,
        source: { key: keys[0] },
        metadata: { pad: 'x'.repeat(1000) },
        padding: 'y'.repeat(20_000),
      },
    });
    expect(big.status).toBe(413);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${stack.gateway.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const create = doc.paths['/v1/batches'].post;
    expect(Object.keys(create.responses).sort()).toEqual([
      '202',
      '400',
      '401',
      '403',
      '409',
      '413',
      '415',
      '422',
      '429',
    ]);
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(doc.paths['/v1/batches/{id}'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/v1/batches/{id}/items'])).toEqual(['get']);
  });
});

describe('POST /v1/batches past the batch body limit', () => {
  let stack: BatchStack;

  beforeAll(async () => {
    stack = await BatchStack.start({ batchBodyLimit: 8 * 1024 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is 413 PAYLOAD_TOO_LARGE', async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({
      source: { key: `incoming/${stack.tenantA}/v-${i}.bin` },
    }));
    const res = await stack.postBatch(stack.tokenA, { profile: EC_PROFILE, items });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(
      (await stack.postBatch(stack.tokenA, { profile: EC_PROFILE, items: items.slice(0, 10) })).status,
    ).toBe(202);
  });
});
