import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DevStackError } from './devstack-error';

/** Absolute path of an executable found on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Absolute path of `name` on PATH; DevStackError naming the Debian package that provides it when missing. */
export function requireExecutable(name: string, debianPackage: string): string {
  const found = findOnPath(name);
  if (found) return found;
  throw new DevStackError(
    `'${name}' not found on PATH: install the Debian package ${debianPackage} (apt-get install -y ${debianPackage})`,
  );
}
