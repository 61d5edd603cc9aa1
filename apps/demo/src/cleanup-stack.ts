import { DemoError } from './demo-error';

/** Undo steps of a run, run in reverse order; every step runs even when one fails. */
export class CleanupStack {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> }> = [];

  push(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once, newest first; returns the first failure (one clear line beats several). */
  async runAll(): Promise<unknown> {
    let first: unknown;
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (err) {
        first ??= err instanceof DemoError ? err : new DemoError(`${step.what}: ${(err as Error).message}`);
      }
    }
    return first;
  }
}
