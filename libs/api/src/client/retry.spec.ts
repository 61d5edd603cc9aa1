import { retryDelayMs, withRetry } from './retry';

const fast = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

describe('withRetry', () => {
  it('tries again while the error is retryable, up to the attempts', async () => {
    const attempts: number[] = [];
    await expect(
      withRetry(
        async (attempt) => {
          attempts.push(attempt);
          throw new Error(`failure ${attempt}`);
        },
        { retryable: () => true, policy: fast },
      ),
    ).rejects.toThrow('failure 3');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('returns the first success', async () => {
    let calls = 0;
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 2) throw new Error('transient');
        return 'ok';
      },
      { retryable: () => true, policy: fast },
    );
    expect({ value, calls }).toEqual({ value: 'ok', calls: 2 });
  });

  it('stops at once for an error that is not retryable', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error('permanent');
        },
        { retryable: () => false, policy: fast },
      ),
    ).rejects.toThrow('permanent');
    expect(calls).toBe(1);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          controller.abort();
          throw new Error('while aborting');
        },
        { retryable: () => true, policy: fast, signal: controller.signal },
      ),
    ).rejects.toThrow('while aborting');
    expect(calls).toBe(1);
  });
});

describe('retryDelayMs', () => {
  const policy = { attempts: 10, initialDelayMs: 100, maxDelayMs: 1000 };

  it('doubles from the initial delay up to the cap, with jitter between half and all of it', () => {
    expect(retryDelayMs(policy, 1, () => 1)).toBe(100);
    expect(retryDelayMs(policy, 1, () => 0)).toBe(50);
    expect(retryDelayMs(policy, 3, () => 1)).toBe(400);
    expect(retryDelayMs(policy, 8, () => 1)).toBe(1000);
    expect(retryDelayMs(policy, 8, () => 0)).toBe(500);
  });
});
