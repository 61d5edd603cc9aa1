import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DevStackError } from '../devstack-error';

/** The FleetSign checkout: the nearest folder above `from` whose package.json is FleetSign's (its dist/ holds the services). */
export function findRepoRoot(from: string): string {
  let dir = resolve(from);
  for (let depth = 0; depth < 12; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'fleetsign') return dir;
      } catch {
        // not a readable manifest: keep looking upwards
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new DevStackError(`cannot find the FleetSign checkout above ${from}`);
}
