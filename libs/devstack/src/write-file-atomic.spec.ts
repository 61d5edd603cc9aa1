import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevStackError } from './devstack-error';
import { readOrCreateSecretFile, writeFileAtomic } from './write-file-atomic';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-write-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces the file with exactly the given mode and leaves no temp file', async () => {
    const path = join(dir, 'secret');
    writeFileSync(path, 'old', { mode: 0o644 });
    await writeFileAtomic(path, 'new', { mode: 0o600 });
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('leaves no temp file behind when the target cannot be written', async () => {
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'file'), 'x')).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('readOrCreateSecretFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'devstack-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the secret once (mode 0600) and reads the same value afterwards', async () => {
    const path = join(dir, 'pin');
    let generated = 0;
    const generate = () => `pin-${++generated}`;
    await expect(readOrCreateSecretFile(path, generate)).resolves.toEqual({ value: 'pin-1', created: true });
    await expect(readOrCreateSecretFile(path, generate)).resolves.toEqual({ value: 'pin-1', created: false });
    expect(generated).toBe(1);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses an empty secret file instead of replacing it', async () => {
    const path = join(dir, 'pin');
    writeFileSync(path, '\n');
    await expect(readOrCreateSecretFile(path, () => 'x')).rejects.toThrow(DevStackError);
  });
});
