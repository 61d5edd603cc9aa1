/** Wall-clock durations of the demo's steps, in milliseconds, in the order they ran. */
export class StepTimer {
  readonly durations = new Map<string, number>();
  private readonly startedAt = performance.now();

  /** Runs `work` and records how long it took under `name`. */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.durations.set(name, performance.now() - start);
    }
  }

  /** Milliseconds since the timer was made. */
  total(): number {
    return performance.now() - this.startedAt;
  }
}
