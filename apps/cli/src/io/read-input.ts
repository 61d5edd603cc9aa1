import { readFile } from 'node:fs/promises';
import { toIoError } from '@fleetsign/errors';

/** Reads a whole input file; a missing or unreadable file becomes FleetSignError(IoError) naming `what` and the path. */
export async function readInputFile(path: string, what = 'file'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw toIoError(err, `read ${what}`, path);
  }
}

/** Reads a whole text file (UTF-8), with the same error mapping as readInputFile. */
export async function readTextFile(path: string, what = 'file'): Promise<string> {
  return (await readInputFile(path, what)).toString('utf8');
}
