import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** How many folders up FleetSign's package.json may be (source tree or dist/apps/notifier/...). */
const MAX_LEVELS = 8;

/** FleetSign's version from its package.json, found above this file; '0.0.0' when not found. */
export function fleetsignVersion(from: string = __dirname): string {
  let dir = from;
  for (let level = 0; level < MAX_LEVELS; level += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fleetsign' && pkg.version) return pkg.version;
    } catch {
      // No package.json here: keep walking up.
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '0.0.0';
}

/** The User-Agent of webhook requests, e.g. FleetSign-Webhooks/0.1.0. */
export function webhookUserAgent(version: string = fleetsignVersion()): string {
  return `FleetSign-Webhooks/${version}`;
}
