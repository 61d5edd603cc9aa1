import { PollTimeoutError, pollUntil } from './poll';

const tiny = { initialMs: 1, maxMs: 2, factor: 2 };

describe('pollUntil', () => {
  it('reads until done and returns that value', async () => {
    let reads = 0;
    const value = await pollUntil(async () => ++reads, (n) => n === 4, { timeoutMs: 10_000, backoff: tiny, timeoutMessage: () => 'late' });
    expect(value).toBe(4);
    expect(reads).toBe(4);
  });

  it('gives up once the deadline has passed, with the message for the last value', async () => {
    let clock = 0;
    let reads = 0;
    const polling = pollUntil(
      async () => {
        reads++;
        clock += 400;
        return 'running';
      },
      () => false,
      { timeoutMs: 1000, backoff: tiny, now: () => clock, timeoutMessage: (last) => `still ${last}` },
    );
    await expect(polling).rejects.toThrow(new PollTimeoutError('still running'));
    expect(reads).toBe(3);
  });

  it('bounds the number of reads even when the clock does not move', async () => {
    let reads = 0;
    const polling = pollUntil(
      async () => ++reads,
      () => false,
      { timeoutMs: 5, backoff: tiny, now: () => 0, timeoutMessage: () => 'bounded' },
    );
    await expect(polling).rejects.toThrow('bounded');
    expect(reads).toBe(6);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const polling = pollUntil(
      async () => {
        controller.abort();
        return 0;
      },
      () => false,
      { timeoutMs: 60_000, backoff: { initialMs: 60_000, maxMs: 60_000, factor: 1 }, signal: controller.signal, timeoutMessage: () => 'late' },
    );
    await expect(polling).rejects.toMatchObject({ name: 'AbortError' });
  });
});
