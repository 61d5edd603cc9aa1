import { DEFAULT_RESTART_POLICY, restartDelayMs } from './restart-backoff';

describe('restartDelayMs', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000, stableAfterMs: 5_000 };

  it('doubles the pause with every quick failure', () => {
    expect([1, 2, 3, 4].map((n) => restartDelayMs(policy, n))).toEqual([100, 200, 400, 800]);
  });

  it('never waits longer than maxDelayMs, however many failures', () => {
    expect(restartDelayMs(policy, 5)).toBe(1_000);
    expect(restartDelayMs(policy, 10_000)).toBe(1_000);
  });

  it('starts serve at half a second', () => {
    expect(restartDelayMs(DEFAULT_RESTART_POLICY, 1)).toBe(500);
  });
});
