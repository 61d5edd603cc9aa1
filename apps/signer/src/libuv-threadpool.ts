import { readEnv } from '@fleetsign/config';
import { loadSignerConfig } from '@fleetsign/config';

// main.ts sizes the libuv thread pool first thing (./size-threadpool), before anything
// can start it: it is sized once, when first used. Each job uses one pool thread at a
// time (an HSM signature, a file read or write, an fsync); with Node's default of four
// threads, four RSA signatures in flight leave no thread for the object store.

/** Pool threads when UV_THREADPOOL_SIZE is not set: one per job, plus a few for the rest, within libuv's limits. */
export function threadPoolSize(concurrency: number): number {
  return Math.min(1024, concurrency + 4);
}

/** Sets UV_THREADPOOL_SIZE from the signer's concurrency unless the environment sets it. */
export function sizeThreadPool(env: NodeJS.ProcessEnv): void {
  if (readEnv(env, 'UV_THREADPOOL_SIZE') !== undefined) return;
  let concurrency: number;
  try {
    concurrency = loadSignerConfig(env).concurrency;
  } catch {
    return; // a bad setting is reported when the signer loads its settings
  }
  env.UV_THREADPOOL_SIZE = String(threadPoolSize(concurrency));
}
