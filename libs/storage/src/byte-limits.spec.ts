import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { ByteCounter, readStreamToBuffer } from './byte-limits';

const CHUNK = 1024;

/** A source of `chunks` 1 KiB chunks that records how many were pulled. */
function countingSource(chunks: number): { stream: Readable; pulled: () => number } {
  let pulled = 0;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (pulled === chunks) return void this.push(null);
      pulled++;
      this.push(Buffer.alloc(CHUNK, pulled & 0xff));
    },
  });
  return { stream, pulled: () => pulled };
}

describe('readStreamToBuffer', () => {
  it('returns all bytes up to and including the limit', async () => {
    const { stream } = countingSource(8);
    const buf = await readStreamToBuffer(stream, 8 * CHUNK, () => new Error('too large'));
    expect(buf.length).toBe(8 * CHUNK);
    expect(buf[0]).toBe(1);
    expect(buf[8 * CHUNK - 1]).toBe(8);
  });

  it('stops and destroys the stream as soon as the limit is crossed', async () => {
    const { stream, pulled } = countingSource(1000);
    await expect(readStreamToBuffer(stream, 5 * CHUNK, () => new Error('too large'))).rejects.toThrow(
      'too large',
    );
    expect(stream.destroyed).toBe(true);
    // One chunk past the limit plus what the stream buffered ahead, nowhere near all 1000.
    expect(pulled()).toBeLessThan(10);
  });
});

describe('ByteCounter', () => {
  it('counts bytes that pass through', async () => {
    const counter = new ByteCounter(Number.POSITIVE_INFINITY, () => new Error('x'));
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(countingSource(3).stream, counter, sink);
    expect(counter.bytes).toBe(3 * CHUNK);
    expect(counter.exceeded).toBe(false);
  });

  it('fails the pipeline past the limit', async () => {
    const counter = new ByteCounter(2 * CHUNK, () => new Error('over'));
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(pipeline(countingSource(100).stream, counter, sink)).rejects.toThrow('over');
    expect(counter.exceeded).toBe(true);
  });
});
