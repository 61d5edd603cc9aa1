import { HASH_SIZE, nodeHash, splitPoint } from './merkle-hash';
import type { RangeHasher } from './proofs';

/**
 * Every perfect subtree hash of an append-only tree, level by level (2n hashes for n
 * leaves). Appending a leaf costs O(log n) hashes; `hashRange` answers the subtrees RFC 9162
 * proofs ask for in O(log n), so a reader that keeps one serves proofs without re-reading
 * or re-hashing the entries.
 */
export class MerkleLevels {
  /**
   * levels[h] holds, back to back, the roots of the perfect subtrees of leaves
   * [i * 2^h, (i + 1) * 2^h): one flat buffer per level (64 bytes per leaf in all), not one
   * Buffer object per hash, so a log of millions of entries stays small in memory.
   */
  private readonly levels: Array<{ data: Buffer; count: number }> = [];

  get size(): number {
    return this.levels[0]?.count ?? 0;
  }

  append(leaf: Buffer): void {
    if (leaf.length !== HASH_SIZE) throw new RangeError('a leaf hash is 32 bytes');
    let hash = leaf;
    for (let h = 0; ; h++) {
      if (this.levels.length === h) this.levels.push({ data: Buffer.alloc(HASH_SIZE * 16), count: 0 });
      const count = this.push(this.levels[h], hash);
      if (count % 2 === 1) return;
      hash = nodeHash(this.at(h, count - 2), this.at(h, count - 1));
    }
  }

  private push(level: { data: Buffer; count: number }, hash: Buffer): number {
    if ((level.count + 1) * HASH_SIZE > level.data.length) {
      const grown = Buffer.alloc(level.data.length * 2);
      level.data.copy(grown, 0, 0, level.count * HASH_SIZE);
      level.data = grown;
    }
    hash.copy(level.data, level.count * HASH_SIZE);
    level.count += 1;
    return level.count;
  }

  /** A copy of the hash at `index` of level `h` (callers keep it; the level buffer moves as it grows). */
  private at(h: number, index: number): Buffer {
    const data = this.levels[h].data;
    return Buffer.from(data.subarray(index * HASH_SIZE, (index + 1) * HASH_SIZE));
  }

  /** MTH(D[start:end]) for 0 <= start < end <= size. */
  hashRange(start: number, end: number): Buffer {
    if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start < end && end <= this.size)) {
      throw new RangeError(`no subtree [${start}, ${end}) in a tree of ${this.size}`);
    }
    const n = end - start;
    const height = Math.log2(n);
    if (Number.isInteger(height) && start % n === 0) return this.at(height, start / n);
    const k = splitPoint(n);
    return nodeHash(this.hashRange(start, start + k), this.hashRange(start + k, end));
  }

  /** A RangeHasher for `inclusionProof` / `consistencyProof` over this tree. */
  rangeHasher(): RangeHasher {
    return (start, end) => this.hashRange(start, end);
  }
}
