import { DemoError } from './demo-error';

/**
 * Resolves as `work` does, unless `stop` rejects first (a service died, the user
 * pressed Ctrl-C) or `timeoutMs` passes (DemoError saying what was awaited).
 */
export async function bounded<T>(
  work: Promise<T>,
  options: { timeoutMs: number; description: string; stop: Promise<never>; logPath?: string },
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DemoError(
            `timed out after ${options.timeoutMs / 1000} s waiting for ${options.description}`,
            options.logPath,
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    return await Promise.race([work, options.stop, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise that rejects with DemoError('interrupted') when `signal` aborts; never resolves. */
export function rejectOnAbort(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(signal.reason instanceof Error ? signal.reason : new DemoError('interrupted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  return aborted;
}
