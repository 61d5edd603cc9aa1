import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { IntegrityError, writeStreamAtomic } from './stream-to-file';

describe('writeStreamAtomic', () => {
  let dir: string;
  const data = Buffer.from('signed image bytes '.repeat(1000));
  const sha256 = createHash('sha256').update(data).digest('hex');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsign-stream-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the bytes when their SHA-256 is the expected one, replacing an old file', async () => {
    const target = join(dir, 'out.bin');
    writeFileSync(target, 'old');
    await expect(writeStreamAtomic(target, Readable.from([data.subarray(0, 100), data.subarray(100)]), sha256)).resolves.toEqual({
      size: data.length,
    });
    expect(readFileSync(target).equals(data)).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('leaves the old file and no temp file when the digest differs', async () => {
    const target = join(dir, 'out.bin');
    writeFileSync(target, 'old');
    await expect(writeStreamAtomic(target, Readable.from([data]), '0'.repeat(64))).rejects.toBeInstanceOf(IntegrityError);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['out.bin']);
  });

  it('removes the temp file when the source breaks off', async () => {
    const target = join(dir, 'out.bin');
    const broken = new Readable({
      read() {
        this.push(data.subarray(0, 10));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(writeStreamAtomic(target, broken, sha256)).rejects.toThrow('connection reset');
    expect(readdirSync(dir)).toEqual([]);
  });
});
