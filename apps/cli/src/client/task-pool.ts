/**
 * Runs `worker` over `items` with at most `concurrency` calls in flight. The first
 * failure stops the start of new work; it is thrown once the calls in flight settle.
 * An aborted `signal` stops the start of new work the same way.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failure && !signal?.aborted) {
      const index = next++;
      try {
        await worker(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const lanes = Math.max(1, Math.min(concurrency, items.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure) throw failure.error;
  signal?.throwIfAborted();
}
