/** How a supervised service is restarted after it dies. */
export interface RestartPolicy {
  /** Pause before the first restart, in milliseconds. */
  initialDelayMs: number;
  /** Longest pause; each quick death doubles the pause up to this. */
  maxDelayMs: number;
  /** A process that ran this long counts as healthy again: the next pause starts from initialDelayMs. */
  stableAfterMs: number;
}

/** Restarts of `fleetsign serve`: 0.5 s, 1 s, 2 s ... up to 30 s while a service keeps dying at once. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };

/** Pause before restart number `quickFailures` (1 = the first after a healthy run). */
export function restartDelayMs(policy: RestartPolicy, quickFailures: number): number {
  const exponent = Math.max(0, quickFailures - 1);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(exponent, 30));
}
