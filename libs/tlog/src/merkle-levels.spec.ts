import { createHash } from 'node:crypto';
import { leafHash } from './merkle-hash';
import { MerkleLevels } from './merkle-levels';
import { consistencyProof, inclusionProof, leafRangeHasher, verifyConsistency, verifyInclusion } from './proofs';

const leaves = Array.from({ length: 37 }, (_, i) => leafHash(createHash('sha256').update(String(i)).digest()));

describe('MerkleLevels', () => {
  const levels = new MerkleLevels();
  leaves.forEach((leaf) => levels.append(leaf));

  it('gives every inclusion proof the full tree gives, and they verify', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const reference = leafRangeHasher(leaves.slice(0, size));
      const root = reference(0, size);
      expect(levels.hashRange(0, size).equals(root)).toBe(true);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, size, levels.rangeHasher());
        expect(proof).toEqual(inclusionProof(index, size, reference));
        expect(verifyInclusion(leaves[index], index, size, proof, root)).toBe(true);
      }
    }
  });

  it('gives consistency proofs that verify between any two sizes', () => {
    for (let size2 = 1; size2 <= leaves.length; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = consistencyProof(size1, size2, levels.rangeHasher());
        expect(verifyConsistency(size1, size2, proof, levels.hashRange(0, size1), levels.hashRange(0, size2))).toBe(true);
      }
    }
  });

  it('refuses a range past its size', () => {
    expect(() => levels.hashRange(0, leaves.length + 1)).toThrow(RangeError);
  });
});
