import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import { writeFileAtomic } from './atomic-write';

/** The error a promise rejects with (fails the test when it resolves). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the write to fail');
}

describe('writeFileAtomic', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-atomic-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a new file with the given bytes and leaves no temp file', async () => {
    const path = join(dir, 'out.bin');
    await writeFileAtomic(path, Buffer.from([1, 2, 3]));
    expect(readFileSync(path)).toEqual(Buffer.from([1, 2, 3]));
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('replaces an existing file and keeps its permission bits', async () => {
    const path = join(dir, 'app.bin');
    writeFileSync(path, 'old contents that are longer');
    chmodSync(path, 0o640);
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['app.bin']);
  });

  it('sets the exact mode it is given', async () => {
    const path = join(dir, 'key.pem');
    await writeFileAtomic(path, 'secret', { mode: 0o600, exclusive: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses to replace an existing file when exclusive, leaving it intact', async () => {
    const path = join(dir, 'key.pem');
    writeFileSync(path, 'original');
    expect(
      isFleetSignError(
        await failureOf(writeFileAtomic(path, 'other', { exclusive: true })),
        ErrorCode.FileExists,
      ),
    ).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('original');
    expect(readdirSync(dir)).toEqual(['key.pem']);
  });

  it('replaces the file a symlink points to, not the link', async () => {
    const real = join(dir, 'real.bin');
    const linkPath = join(dir, 'link.bin');
    writeFileSync(real, 'old');
    symlinkSync(real, linkPath);
    await writeFileAtomic(linkPath, 'new');
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(statSync(linkPath).isFile()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['link.bin', 'real.bin']);
  });

  it('removes its temp file when the final rename fails', async () => {
    // A non-empty directory at the target path makes rename(2) fail after the temp file is written.
    const target = join(dir, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    expect(isFleetSignError(await failureOf(writeFileAtomic(target, 'data')), ErrorCode.IoError)).toBe(true);
    expect(readdirSync(dir)).toEqual(['busy']);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it('reports a missing folder as one IoError naming the path', async () => {
    const path = join(dir, 'missing', 'out.bin');
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow(
      `Cannot write "${path}": No such file or directory`,
    );
  });
});
