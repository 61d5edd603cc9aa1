import { rmSync } from 'node:fs';
import { TEST_ENV } from './test-env';

/** Stops what the global setup started, newest first, and removes its temp tree. */
export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __fleetsignStops?: Array<() => Promise<void>> }).__fleetsignStops ?? [];
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  const root = process.env[TEST_ENV.tmpRoot];
  if (root) rmSync(root, { recursive: true, force: true });
}
