import type { CompactRange } from './compact-range';
import { subtreeRoot } from './merkle-hash';
import type { RangeHasher } from './proofs';

/**
 * A RangeHasher for the tree made of `before` (the compact range where a group of entries
 * starts) and the group's `leaves` appended to it: enough to prove the inclusion of any
 * leaf of the group in that tree, with no other entry read. An inclusion path's left
 * siblings are the peaks of the range just before the leaf, which `before` and the leaves
 * give; its right siblings lie inside the group. The appender has both at hand when it
 * writes the group, so it can hand out a proof against a checkpoint of exactly that tree.
 * Other ranges (not asked by inclusion proofs of the group's leaves) are refused.
 */
export function appendedRangeHasher(before: CompactRange, leaves: readonly Buffer[]): RangeHasher {
  const start = before.size;
  const end = start + leaves.length;
  return (a, b) => {
    if (!(a >= 0 && a < b && b <= end)) throw new RangeError(`no subtree [${a}, ${b}) in a tree of ${end}`);
    if (a >= start) return subtreeRoot(leaves, a - start, b - start);
    // [a, b) starts before the group: it can only be a peak, the last one of the range of size b.
    const peak = b <= start ? peakOf(before, a, b) : lastPeakAfter(before, leaves.slice(0, b - start), a);
    if (!peak) throw new RangeError(`subtree [${a}, ${b}) is not known from the range at ${start} and its group`);
    return peak;
  };
}

/** The peak of `range` that spans [a, b), if there is one. */
function peakOf(range: CompactRange, a: number, b: number): Buffer | undefined {
  let at = 0;
  const hashes = range.hashes();
  for (let bit = 2 ** Math.floor(Math.log2(Math.max(range.size, 1))), i = 0; bit >= 1; bit /= 2) {
    if (Math.floor(range.size / bit) % 2 === 0) continue;
    if (at === a && at + bit === b) return hashes[i];
    at += bit;
    i++;
  }
  return undefined;
}

/** The last peak of `range` extended by `leaves`, when it starts at `a`. */
function lastPeakAfter(range: CompactRange, leaves: readonly Buffer[], a: number): Buffer | undefined {
  const extended = range.clone();
  for (const leaf of leaves) extended.append(leaf);
  const size = extended.size;
  const lowest = size & -size;
  if (size - lowest !== a) return undefined;
  const hashes = extended.hashes();
  return hashes[hashes.length - 1];
}
