import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSourceFiles } from './source-files';

describe('findSourceFiles', () => {
  let dir: string;
  const put = (...parts: string[]) => {
    const path = join(dir, ...parts);
    writeFileSync(path, 'x');
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-sources-'));
    mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
    put('b.bin');
    put('a.bin');
    put('a.elf');
    put('.hidden.bin');
    put('fw-01.bin');
    put('sub', 'c.bin');
    put('sub', 'deeper', 'd.bin');
    symlinkSync(join(dir, 'a.bin'), join(dir, 'link.bin'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const names = async (spec: string, recursive = false) => (await findSourceFiles(spec, { recursive })).map((file) => file.name);

  it('takes the *.bin files of a folder (and symlinks to files), sorted, hidden ones skipped', async () => {
    expect(await names(dir)).toEqual(['a.bin', 'b.bin', 'fw-01.bin', 'link.bin']);
    expect((await findSourceFiles(dir))[0].path).toBe(join(dir, 'a.bin'));
  });

  it('goes into sub-folders with --recursive, naming files by their relative path (flattened as batch item names)', async () => {
    const files = await findSourceFiles(dir, { recursive: true });
    expect(files.map((file) => file.name)).toEqual(['a.bin', 'b.bin', 'fw-01.bin', 'link.bin', 'sub/c.bin', 'sub/deeper/d.bin']);
    expect(files.map((file) => file.itemName)).toEqual(['a.bin', 'b.bin', 'fw-01.bin', 'link.bin', 'sub--c.bin', 'sub--deeper--d.bin']);
    expect(files[4].path).toBe(join(dir, 'sub', 'c.bin'));
  });

  it('leaves out the output folder when it sits inside the input tree', async () => {
    expect(await findSourceFiles(dir, { recursive: true, excludeDir: join(dir, 'sub') })).toHaveLength(4);
  });

  it('refuses two files that would have the same item name', async () => {
    put('sub--c.bin');
    await expect(findSourceFiles(dir, { recursive: true })).rejects.toThrow('"sub--c.bin" and "sub/c.bin" would both be "sub--c.bin" in the batch; rename one');
  });

  it('matches a pattern in the last path segment', async () => {
    expect(await names(join(dir, 'fw-*.bin'))).toEqual(['fw-01.bin']);
    expect(await names(join(dir, '?.*'))).toEqual(['a.bin', 'a.elf', 'b.bin']);
    expect(await names(join(dir, '*.bin'), true)).toEqual(['a.bin', 'b.bin', 'fw-01.bin', 'link.bin', 'sub/c.bin', 'sub/deeper/d.bin']);
  });

  it.each([
    ['a missing folder', (d: string) => join(d, 'nope'), 'no such folder'],
    ['a file', (d: string) => join(d, 'a.bin'), 'is a file; batch takes a folder or a pattern'],
    ['no match', (d: string) => join(d, '*.hex'), 'no images match'],
    ['wildcards in a folder name', (d: string) => join(d, 's*', '*.bin'), 'wildcards are supported in the file name only'],
  ])('refuses %s', async (_what, spec, message) => {
    await expect(findSourceFiles(spec(dir))).rejects.toThrow(message);
  });
});
