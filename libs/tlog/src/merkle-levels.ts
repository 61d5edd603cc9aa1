import { nodeHash, splitPoint } from './merkle-hash';
import type { RangeHasher } from './proofs';

/**
 * Every perfect subtree hash of an append-only tree, level by level (2n hashes for n
 * leaves). Appending a leaf costs O(log n) hashes; `hashRange` answers the subtrees RFC 9162
 * proofs ask for in O(log n), so a reader that keeps one serves proofs without re-reading
 * or re-hashing the entries.
 */
export class MerkleLevels {
  /** levels[h][i]: the root of the perfect subtree of leaves [i * 2^h, (i + 1) * 2^h). */
  private readonly levels: Buffer[][] = [[]];

  get size(): number {
    return this.levels[0].length;
  }

  append(leaf: Buffer): void {
    let hash = leaf;
    for (let h = 0; ; h++) {
      if (this.levels.length === h) this.levels.push([]);
      const level = this.levels[h];
      level.push(hash);
      if (level.length % 2 === 1) return;
      hash = nodeHash(level[level.length - 2], level[level.length - 1]);
    }
  }

  /** MTH(D[start:end]) for 0 <= start < end <= size. */
  hashRange(start: number, end: number): Buffer {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start < end && end <= this.size)) {
      throw new RangeError(`no subtree [${start}, ${end}) in a tree of ${this.size}`);
    }
    const n = end - start;
    const height = Math.log2(n);
    if (Number.isInteger(height) && start % n === 0) return this.levels[height][start / n];
    const k = splitPoint(n);
    return nodeHash(this.hashRange(start, start + k), this.hashRange(start + k, end));
  }

  /** A RangeHasher for `inclusionProof` / `consistencyProof` over this tree. */
  rangeHasher(): RangeHasher {
    return (start, end) => this.hashRange(start, end);
  }
}
