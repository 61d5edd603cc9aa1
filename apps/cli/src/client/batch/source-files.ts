import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { toIoError } from '@fleetsign/errors';
import { compileNamePattern, hasWildcards } from './name-pattern';

/** Most images one batch may hold (the service's limit). */
export const MAX_BATCH_ITEMS = 10_000;

/** An input image: where it is on disk, where its signed image goes, and its name in the batch. */
export interface SourceFile {
  /** File name; with --recursive, the path below the input folder with `/` separators (also its place under --out). */
  name: string;
  path: string;
  /** Item name in the batch: the service takes plain file names, so `sub/app.bin` becomes `sub--app.bin`. */
  itemName: string;
}

/** Separator that replaces `/` in the batch item names of files from sub-folders. */
export const ITEM_NAME_SEPARATOR = '--';

/**
 * The images a `batch` argument names, sorted by name: every `*.bin` file of a folder,
 * or the files matching a pattern in the last path segment (`fw/*-v2.bin`). Hidden
 * files are skipped; with `recursive`, sub-folders are searched too (except `excludeDir`,
 * the output folder).
 */
export async function findSourceFiles(
  spec: string,
  options: { recursive?: boolean; excludeDir?: string } = {},
): Promise<SourceFile[]> {
  let root: string;
  let matches: (name: string) => boolean;
  const kind = await pathKind(spec);
  if (kind === 'directory') {
    root = spec;
    matches = compileNamePattern('*.bin');
  } else if (kind === 'missing' && hasWildcards(basename(spec)) && !hasWildcards(dirname(spec))) {
    root = dirname(spec);
    matches = compileNamePattern(basename(spec));
    if ((await pathKind(root)) !== 'directory') {
      throw new FleetSignError(ErrorCode.InvalidArgument, `"${root}" is not a folder`);
    }
  } else if (kind === 'file') {
    throw new FleetSignError(ErrorCode.InvalidArgument, `"${spec}" is a file; batch takes a folder or a pattern (use submit for one image)`);
  } else {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      hasWildcards(dirname(spec))
        ? `"${spec}": wildcards are supported in the file name only`
        : `"${spec}": no such folder`,
    );
  }
  const excluded = options.excludeDir === undefined ? undefined : resolve(options.excludeDir);
  const files = await listMatching(root, matches, options.recursive ?? false, excluded);
  if (files.length === 0) throw new FleetSignError(ErrorCode.InvalidArgument, `no images match "${spec}"`);
  if (files.length > MAX_BATCH_ITEMS) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `"${spec}" names ${files.length} images; a batch holds at most ${MAX_BATCH_ITEMS}`);
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byItemName = new Map<string, SourceFile>();
  for (const file of files) {
    const other = byItemName.get(file.itemName);
    if (other) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `"${other.name}" and "${file.name}" would both be "${file.itemName}" in the batch; rename one`,
      );
    }
    byItemName.set(file.itemName, file);
  }
  return files;
}

async function pathKind(path: string): Promise<'file' | 'directory' | 'other' | 'missing'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw toIoError(err, 'read', path);
  }
}

async function listMatching(
  root: string,
  matches: (name: string) => boolean,
  recursive: boolean,
  excludedDir: string | undefined,
): Promise<SourceFile[]> {
  const found: SourceFile[] = [];
  const folders = [root];
  // Bounded: each folder is visited once (symlinked folders are not followed).
  for (let i = 0; i < folders.length; i++) {
    const folder = folders[i];
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      throw toIoError(err, 'read', folder);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        // The output folder may sit inside the input tree; its signed images are no inputs.
        if (recursive && resolve(path) !== excludedDir) folders.push(path);
        continue;
      }
      if (!matches(entry.name)) continue;
      if (entry.isFile() || (entry.isSymbolicLink() && (await pathKind(path)) === 'file')) {
        const parts = relative(root, path).split(sep);
        found.push({ name: parts.join('/'), path, itemName: parts.join(ITEM_NAME_SEPARATOR) });
      }
    }
  }
  return found;
}
