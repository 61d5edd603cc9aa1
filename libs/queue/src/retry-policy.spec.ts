import { DEFAULT_RETRY_POLICY, retriesWaitedMs, retryDelayMs, retryHorizonReached, signRetryBackoff } from './retry-policy';

describe('retry policy', () => {
  const policy = { horizonMs: 60_000, firstDelayMs: 1_000, maxDelayMs: 10_000 };

  it('doubles the delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 40].map((retry) => retryDelayMs(policy, retry))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000]);
    expect(signRetryBackoff(policy)(3, 'x')).toBe(4_000);
  });

  it('fails for good only once the retries have waited the horizon', () => {
    // 1+2+4+8+10+10+10+10 = 55 s after 8 retries, 65 s after 9.
    expect(retriesWaitedMs(policy, 8)).toBe(55_000);
    expect(retryHorizonReached(policy, 9)).toBe(false);
    expect(retryHorizonReached(policy, 10)).toBe(true);
  });

  it('retries for at least 30 minutes by default, far below the attempt cap', () => {
    let attempt = 1;
    while (!retryHorizonReached(DEFAULT_RETRY_POLICY, attempt)) attempt++;
    expect(retriesWaitedMs(DEFAULT_RETRY_POLICY, attempt - 1)).toBeGreaterThanOrEqual(30 * 60_000);
    expect(attempt).toBeLessThan(100);
  });
});
