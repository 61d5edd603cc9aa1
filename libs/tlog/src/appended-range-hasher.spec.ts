import { randomBytes } from 'node:crypto';
import { appendedRangeHasher } from './appended-range-hasher';
import { CompactRange } from './compact-range';
import { inclusionProof, leafRangeHasher, verifyInclusion } from './proofs';
import { subtreeRoot } from './merkle-hash';

describe('appendedRangeHasher', () => {
  it('proves every leaf of a group exactly as the whole tree does, for groups at every position', () => {
    const leaves = Array.from({ length: 70 }, () => randomBytes(32));
    for (let start = 0; start < 40; start++) {
      for (const count of [1, 2, 3, 5, 8, 13, 30]) {
        const before = CompactRange.empty();
        for (const leaf of leaves.slice(0, start)) before.append(leaf);
        const group = leaves.slice(start, start + count);
        const size = start + count;
        const hasher = appendedRangeHasher(before, group);
        const root = subtreeRoot(leaves, 0, size);
        for (let index = start; index < size; index++) {
          const proof = inclusionProof(index, size, hasher);
          expect(proof).toEqual(inclusionProof(index, size, leafRangeHasher(leaves.slice(0, size))));
          expect(verifyInclusion(leaves[index], index, size, proof, root)).toBe(true);
        }
      }
    }
  });

  it('refuses ranges it cannot know from the range and the group', () => {
    const leaves = Array.from({ length: 8 }, () => randomBytes(32));
    const before = CompactRange.empty();
    for (const leaf of leaves.slice(0, 5)) before.append(leaf);
    const hasher = appendedRangeHasher(before, leaves.slice(5));
    expect(() => hasher(1, 3)).toThrow(RangeError);
    expect(() => hasher(0, 9)).toThrow(RangeError);
    expect(hasher(0, 4)).toEqual(subtreeRoot(leaves, 0, 4));
    expect(hasher(4, 6)).toEqual(subtreeRoot(leaves, 4, 6));
  });
});
