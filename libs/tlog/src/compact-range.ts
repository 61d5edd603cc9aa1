import { emptyRoot, nodeHash } from './merkle-hash';

/**
 * The right edge of a tree: the roots of its perfect subtrees, largest (leftmost) first,
 * one per set bit of the size. Enough to append leaves and compute the root in O(log n)
 * without reading the leaves again; what the log keeps after every group of entries.
 */
export class CompactRange {
  private constructor(
    private treeSize: number,
    private readonly peaks: Buffer[],
  ) {}

  /** The range of the empty tree. */
  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Restores a range saved with `hashes()`; RangeError when the count does not fit the size. */
  static of(size: number, hashes: readonly Buffer[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`bad tree size ${size}`);
    if (popCount(size) !== hashes.length) throw new RangeError(`a tree of ${size} leaves has ${popCount(size)} peaks, not ${hashes.length}`);
    return new CompactRange(size, [...hashes]);
  }

  get size(): number {
    return this.treeSize;
  }

  /** The peaks, leftmost first (a copy). */
  hashes(): Buffer[] {
    return [...this.peaks];
  }

  /** Appends one leaf hash: merges equal-sized peaks like a binary counter. */
  append(leaf: Buffer): void {
    let hash = leaf;
    for (let size = this.treeSize; size % 2 === 1; size = Math.floor(size / 2)) {
      hash = nodeHash(this.peaks.pop() as Buffer, hash);
    }
    this.peaks.push(hash);
    this.treeSize += 1;
  }

  /** The root: peaks folded right to left, as RFC 9162's unbalanced right subtrees are. */
  root(): Buffer {
    if (this.peaks.length === 0) return emptyRoot();
    let hash = this.peaks[this.peaks.length - 1];
    for (let i = this.peaks.length - 2; i >= 0; i--) hash = nodeHash(this.peaks[i], hash);
    return hash;
  }

  clone(): CompactRange {
    return new CompactRange(this.treeSize, [...this.peaks]);
  }
}

function popCount(n: number): number {
  let count = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) count += v % 2;
  return count;
}
