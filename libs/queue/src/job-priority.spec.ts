import {
  BATCH_BASE_PRIORITY,
  MAX_JOB_PRIORITY,
  RELEASE_JOB_PRIORITY,
  batchItemPriority,
} from './job-priority';

describe('job priorities', () => {
  it('puts release jobs ahead of every batch item (BullMQ: lower number first)', () => {
    expect(RELEASE_JOB_PRIORITY).toBeGreaterThan(0);
    expect(RELEASE_JOB_PRIORITY).toBeLessThan(batchItemPriority(0, 100));
    expect(MAX_JOB_PRIORITY).toBe(2 ** 21 - 1);
  });

  it('steps one priority per fair-share slice of the tenant backlog', () => {
    expect(batchItemPriority(0, 100)).toBe(BATCH_BASE_PRIORITY);
    expect(batchItemPriority(99, 100)).toBe(BATCH_BASE_PRIORITY);
    expect(batchItemPriority(100, 100)).toBe(BATCH_BASE_PRIORITY + 1);
    expect(batchItemPriority(299, 100)).toBe(BATCH_BASE_PRIORITY + 2);
    expect(batchItemPriority(5, 1)).toBe(BATCH_BASE_PRIORITY + 5);
  });

  it("interleaves two tenants: the second tenant's first slice ranks with the first tenant's first slice", () => {
    const tenantA = Array.from({ length: 300 }, (_, i) => batchItemPriority(i, 100));
    const tenantB = Array.from({ length: 20 }, (_, i) => batchItemPriority(i, 100));
    expect(Math.max(...tenantB)).toBeLessThan(tenantA[100]);
    expect(Math.max(...tenantB)).toBe(tenantA[0]);
  });

  it("caps at BullMQ's maximum and treats a negative or odd backlog as empty", () => {
    expect(batchItemPriority(Number.MAX_SAFE_INTEGER, 1)).toBe(MAX_JOB_PRIORITY);
    expect(batchItemPriority(-5, 100)).toBe(BATCH_BASE_PRIORITY);
    expect(batchItemPriority(Number.NaN, 100)).toBe(BATCH_BASE_PRIORITY);
  });

  it('refuses a slice below 1', () => {
    expect(() => batchItemPriority(0, 0)).toThrow(RangeError);
    expect(() => batchItemPriority(0, 1.5)).toThrow(RangeError);
  });
});
