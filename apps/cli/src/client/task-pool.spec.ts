import { runPool } from './task-pool';

/** A promise the test settles by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runPool', () => {
  it('runs every item with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(item);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure and throws it once the running calls settle', async () => {
    const gate = deferred();
    const started: number[] = [];
    let slowFinished = false;
    const pool = runPool([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      if (item === 0) {
        await gate.promise;
        slowFinished = true;
        return;
      }
      throw new Error(`item ${item} failed`);
    });
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve();
    await expect(pool).rejects.toThrow('item 1 failed');
    expect(started).toEqual([0, 1]);
    expect(slowFinished).toBe(true);
  });

  it('stops starting work when the signal aborts', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const pool = runPool(
      [0, 1, 2, 3],
      1,
      async (item) => {
        started.push(item);
        if (item === 1) controller.abort();
      },
      controller.signal,
    );
    await expect(pool).rejects.toMatchObject({ name: 'AbortError' });
    expect(started).toEqual([0, 1]);
  });

  it('handles an empty list', async () => {
    await expect(runPool([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
