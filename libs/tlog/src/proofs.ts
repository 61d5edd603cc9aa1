import { HASH_SIZE, nodeHash, splitPoint, subtreeRoot } from './merkle-hash';

/** MTH(D[start:end]) for a range of leaves: a memo, a tile cache or the leaves themselves. */
export type RangeHasher = (start: number, end: number) => Buffer;

/** A RangeHasher that recomputes every subtree from all leaf hashes. */
export function leafRangeHasher(leafHashes: readonly Buffer[]): RangeHasher {
  return (start, end) => subtreeRoot(leafHashes, start, end);
}

/** RFC 9162 section 2.1.3.1 PATH(m, D[n]): the inclusion proof of leaf `index` in the tree of `size` leaves. */
export function inclusionProof(index: number, size: number, hashRange: RangeHasher): Buffer[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path = (m: number, start: number, end: number): Buffer[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...path(m, start, start + k), hashRange(start + k, end)];
    return [...path(m - k, start + k, end), hashRange(start, start + k)];
  };
  return path(index, 0, size);
}

/** RFC 9162 section 2.1.4.1 PROOF(m, D[n]): proves the tree of `size2` leaves extends the one of `size1`. */
export function consistencyProof(size1: number, size2: number, hashRange: RangeHasher): Buffer[] {
  if (!(size1 >= 0 && size1 <= size2)) throw new RangeError(`no consistency proof from ${size1} to ${size2}`);
  if (size1 === 0 || size1 === size2) return [];
  const subproof = (m: number, start: number, end: number, whole: boolean): Buffer[] => {
    const n = end - start;
    if (m === n) return whole ? [] : [hashRange(start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...subproof(m, start, start + k, whole), hashRange(start + k, end)];
    return [...subproof(m - k, start + k, end, false), hashRange(start, start + k)];
  };
  return subproof(size1, 0, size2, true);
}

function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === HASH_SIZE && a.equals(b);
}

/** RFC 9162 section 2.1.3.2: true when `proof` places `leaf` at `index` in the tree of `size` leaves with `root`. */
export function verifyInclusion(leaf: Buffer, index: number, size: number, proof: readonly Buffer[], root: Buffer): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashesEqual(r, root);
}

/** RFC 9162 section 2.1.4.2: true when `proof` shows the tree (size2, root2) extends (size1, root1). */
export function verifyConsistency(size1: number, size2: number, proof: readonly Buffer[], root1: Buffer, root2: Buffer): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) return false;
  if (proof.some((p) => p.length !== HASH_SIZE)) return false;
  if (size1 === size2) return proof.length === 0 && hashesEqual(root1, root2);
  // Every tree extends the empty one; there is nothing to prove.
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hashesEqual(fr, root1) && hashesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  let v = n;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
