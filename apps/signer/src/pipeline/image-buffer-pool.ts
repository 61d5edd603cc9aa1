/** Images smaller than this are read into buffers of their own: their garbage is small. */
export const POOLED_IMAGE_MIN_BYTES = 1024 * 1024;
/** Pooled buffers are allocated in steps of this size, so images of similar size share them. */
const POOL_STEP_BYTES = 1024 * 1024;

/**
 * Reusable buffers for large source images. A signer working on N jobs at once then
 * holds at most N image-sized buffers, whatever the garbage collector's timing: a
 * finished job's buffer goes to the next job instead of waiting to be collected while
 * new ones are allocated. A buffer is released only once nothing reads it any more.
 */
export class ImageBufferPool {
  private readonly idle: ArrayBuffer[] = [];
  /** Every backing store this pool handed out and may take back. */
  private readonly owned = new WeakSet<ArrayBuffer>();
  private size = 0;
  /** A buffer never released (its job failed half-way) frees its place once it is collected. */
  private readonly lost = new FinalizationRegistry<undefined>(() => {
    this.size--;
  });

  constructor(private readonly maxBuffers: number) {}

  /** A buffer of exactly `length` bytes (contents undefined), from the pool for large images. */
  acquire(length: number): Buffer {
    if (length < POOLED_IMAGE_MIN_BYTES || this.maxBuffers < 1) return Buffer.allocUnsafe(length);
    const fit = this.bestIdleFit(length);
    if (fit >= 0) return Buffer.from(this.idle.splice(fit, 1)[0], 0, length);
    // No idle buffer is large enough: give up the smallest idle one to stay within the bound.
    if (this.size >= this.maxBuffers && this.idle.length > 0) this.forget(this.smallestIdle());
    if (this.size >= this.maxBuffers) return Buffer.allocUnsafe(length);
    const backing = new ArrayBuffer(Math.ceil(length / POOL_STEP_BYTES) * POOL_STEP_BYTES);
    this.owned.add(backing);
    this.lost.register(backing, undefined, backing);
    this.size++;
    return Buffer.from(backing, 0, length);
  }

  /** Gives a buffer from acquire back for reuse; buffers the pool did not make are left to the collector. */
  release(buffer: Buffer): void {
    const backing = buffer.buffer;
    if (backing instanceof ArrayBuffer && this.owned.has(backing) && !this.idle.includes(backing)) this.idle.push(backing);
  }

  /** Buffers the pool holds (in use or idle). */
  get buffers(): number {
    return this.size;
  }

  private bestIdleFit(length: number): number {
    let best = -1;
    this.idle.forEach((backing, i) => {
      if (backing.byteLength >= length && (best < 0 || backing.byteLength < this.idle[best].byteLength)) best = i;
    });
    return best;
  }

  private smallestIdle(): number {
    let smallest = 0;
    this.idle.forEach((backing, i) => {
      if (backing.byteLength < this.idle[smallest].byteLength) smallest = i;
    });
    return smallest;
  }

  private forget(index: number): void {
    const [backing] = this.idle.splice(index, 1);
    this.owned.delete(backing);
    this.lost.unregister(backing);
    this.size--;
  }
}
