import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The FleetSign checkout this benchmark runs from: the nearest folder above it holding nest-cli.json. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (let depth = 0; depth < 12; depth++) {
    if (existsSync(join(dir, 'nest-cli.json')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find the FleetSign checkout (nest-cli.json) above ${from}`);
}
