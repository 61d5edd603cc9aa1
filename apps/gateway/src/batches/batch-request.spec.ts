import { BATCH_MAX_ITEMS, createBatchRequestSchema } from '@fleetsign/api';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { statusForCode } from '../http/http-problem';
import { basename, batchRequestHash, planBatchItems } from './batch-request';

/** The error raised and the HTTP status the gateway answers it with. */
function problemOf(fn: () => unknown): FleetSignError & { status: number } {
  try {
    fn();
  } catch (err) {
    if (err instanceof FleetSignError) return Object.assign(err, { status: statusForCode(err.code) });
    throw err;
  }
  throw new Error('no problem raised');
}

describe('createBatchRequestSchema', () => {
  const item = { source: { key: 'incoming/acme/a.bin' } };

  it('accepts 1 to 10,000 items and refuses unknown fields', () => {
    expect(createBatchRequestSchema.safeParse({ profile: 'p', items: [item] }).success).toBe(true);
    expect(createBatchRequestSchema.safeParse({ profile: 'p', items: [] }).success).toBe(false);
    expect(
      createBatchRequestSchema.safeParse({ profile: 'p', items: Array(BATCH_MAX_ITEMS + 1).fill(item) })
        .success,
    ).toBe(false);
    expect(createBatchRequestSchema.safeParse({ profile: 'p', items: [{ ...item, extra: 1 }] }).success).toBe(
      false,
    );
    expect(createBatchRequestSchema.safeParse({ profile: 'p', items: [item], priority: 1 }).success).toBe(
      false,
    );
  });

  it('refuses item names that are not plain file names', () => {
    for (const name of ['a/b.bin', '..', '.', 'c\\d', 'tab\there', '']) {
      expect(createBatchRequestSchema.safeParse({ profile: 'p', items: [{ ...item, name }] }).success).toBe(
        false,
      );
    }
    expect(
      createBatchRequestSchema.safeParse({ profile: 'p', items: [{ ...item, name: 'fw v1.2 (eu).bin' }] })
        .success,
    ).toBe(true);
  });
});

describe('planBatchItems', () => {
  it('names items after their source key unless named, keeping digests and metadata', () => {
    const planned = planBatchItems('acme', [
      { source: { key: 'incoming/acme/x/one.bin', sha256: 'ab'.repeat(32) } },
      { source: { key: 'incoming/acme/two.bin' }, name: 'second.bin', metadata: { v: '2' } },
    ]);
    expect(planned).toEqual([
      { name: 'one.bin', sourceKey: 'incoming/acme/x/one.bin', sha256: 'ab'.repeat(32) },
      { name: 'second.bin', sourceKey: 'incoming/acme/two.bin', metadata: { v: '2' } },
    ]);
    expect(basename('a/b/c.bin')).toBe('c.bin');
  });

  it("names the items whose source is outside the tenant's incoming prefix or not a key", () => {
    const problem = problemOf(() =>
      planBatchItems('acme', [
        { source: { key: 'incoming/acme/ok.bin' } },
        { source: { key: 'incoming/other/theirs.bin' } },
        { source: { key: 'incoming/acme/../other/x.bin' } },
      ]),
    );
    expect(problem.status).toBe(400);
    expect(problem.code).toBe(ErrorCode.ValidationFailed);
    expect((problem.details?.errors as Array<{ path: string }>).map((e) => e.path)).toEqual([
      'items.1.source.key',
      'items.2.source.key',
    ]);
  });

  it('refuses the disguised dot segments POST /v1/jobs refuses (one validator)', () => {
    const problem = problemOf(() =>
      planBatchItems('acme', [
        { source: { key: 'incoming/acme/%2e%2e/other/a.bin' }, name: 'a.bin' },
        { source: { key: 'incoming/acme/\u2025/other/b.bin' }, name: 'b.bin' },
        { source: { key: 'incoming/acme/\uff0e\uff0e/other/c.bin' }, name: 'c.bin' },
      ]),
    );
    expect(problem).toMatchObject({ status: 400, code: ErrorCode.ValidationFailed });
    expect(problem.details?.errors).toEqual([0, 1, 2].map((i) => ({ path: `items.${i}.source.key`, message: 'not a valid object key' })));
  });

  it('refuses duplicate names, explicit or derived, naming the later item', () => {
    const problem = problemOf(() =>
      planBatchItems('acme', [
        { source: { key: 'incoming/acme/a.bin' } },
        { source: { key: 'incoming/acme/b.bin' }, name: 'a.bin' },
      ]),
    );
    expect(problem.details?.errors).toEqual([
      { path: 'items.1.name', message: expect.stringContaining('item 0') },
    ]);
  });

  it('lists at most 100 problems', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ source: { key: `incoming/other/${i}.bin` } }));
    expect((problemOf(() => planBatchItems('acme', items)).details?.errors as unknown[]).length).toBe(100);
  });
});

describe('batchRequestHash', () => {
  it('ignores key order and changes with any value', () => {
    const one = createBatchRequestSchema.parse({
      profile: 'p',
      items: [{ source: { key: 'k' }, name: 'n' }],
      fresh: true,
    });
    const two = createBatchRequestSchema.parse({
      fresh: true,
      items: [{ name: 'n', source: { key: 'k' } }],
      profile: 'p',
    });
    expect(batchRequestHash(one)).toBe(batchRequestHash(two));
    expect(batchRequestHash({ ...one, fresh: false })).not.toBe(batchRequestHash(one));
    expect(batchRequestHash({ ...one, items: [...one.items, ...one.items] })).not.toBe(batchRequestHash(one));
  });
});
