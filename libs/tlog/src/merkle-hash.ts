import { createHash } from 'node:crypto';

// RFC 9162 section 2.1.1: SHA-256 with one-byte domain separation, so a leaf can never
// be passed off as an interior node (second-preimage resistance of the tree).
const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** Length of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

/** MTH({d}) = SHA-256(0x00 || d): the hash of one leaf's data. */
export function leafHash(data: Buffer): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** MTH({}) = SHA-256(): the root of the empty tree. */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** The largest power of two smaller than `n` (n > 1): where RFC 9162 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over leaf hashes (RFC 9162 section 2.1.1). */
export function subtreeRoot(leafHashes: readonly Buffer[], start = 0, end = leafHashes.length): Buffer {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if (n === 1) return leafHashes[start];
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leafHashes, start, start + k), subtreeRoot(leafHashes, start + k, end));
}
