import { ImageBufferPool, POOLED_IMAGE_MIN_BYTES } from './image-buffer-pool';

const MiB = 1024 * 1024;

describe('ImageBufferPool', () => {
  it('hands out buffers of the asked length and reuses released ones', () => {
    const pool = new ImageBufferPool(2);
    const a = pool.acquire(3 * MiB + 5);
    expect(a.length).toBe(3 * MiB + 5);
    pool.release(a);
    const b = pool.acquire(2 * MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(2 * MiB);
    expect(pool.buffers).toBe(1);
  });

  it('never holds more than its bound, however sizes vary', () => {
    const pool = new ImageBufferPool(2);
    const a = pool.acquire(2 * MiB);
    const b = pool.acquire(2 * MiB);
    const c = pool.acquire(2 * MiB); // third at once: an ordinary buffer
    expect(pool.buffers).toBe(2);
    [a, b, c].forEach((buffer) => pool.release(buffer));
    const large = pool.acquire(16 * MiB); // larger than any idle one: replaces the smallest
    expect(large.length).toBe(16 * MiB);
    expect(pool.buffers).toBe(2);
    pool.release(large);
    expect(pool.acquire(15 * MiB).buffer).toBe(large.buffer);
  });

  it('leaves small images and foreign buffers alone, and takes a buffer back once', () => {
    const pool = new ImageBufferPool(4);
    const small = pool.acquire(POOLED_IMAGE_MIN_BYTES - 1);
    pool.release(small);
    pool.release(Buffer.alloc(2 * MiB));
    expect(pool.buffers).toBe(0);
    const a = pool.acquire(2 * MiB);
    pool.release(a);
    pool.release(a);
    const b = pool.acquire(2 * MiB);
    const c = pool.acquire(2 * MiB);
    expect(b.buffer).toBe(a.buffer);
    expect(c.buffer).not.toBe(a.buffer);
    expect(new ImageBufferPool(0).acquire(2 * MiB).length).toBe(2 * MiB);
  });
});
