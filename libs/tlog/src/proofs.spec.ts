import { CompactRange } from './compact-range';
import { emptyRoot, leafHash, subtreeRoot } from './merkle-hash';
import { consistencyProof, inclusionProof, leafRangeHasher, verifyConsistency, verifyInclusion } from './proofs';

// The leaves of the RFC 6962 reference tests, as transparency-dev/merkle uses them.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
  leafHash(Buffer.from(hex, 'hex')),
);
const b64 = (text: string) => Buffer.from(text, 'base64');
const hex = (text: string) => Buffer.from(text, 'hex');

// Roots of the first 1..8 leaves (RFC 6962 reference tree).
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('RFC 9162 Merkle tree hashing', () => {
  it('hashes the empty tree as SHA-256 of nothing', () => {
    expect(emptyRoot().toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each(ROOTS.map((root, i) => [i + 1, root]))('computes the reference root of %i leaves', (size, root) => {
    expect(subtreeRoot(LEAVES.slice(0, size as number)).toString('hex')).toBe(root);
  });

  it('the compact range gives the same roots as the full tree, leaf by leaf', () => {
    const range = CompactRange.empty();
    for (let i = 0; i < 8; i++) {
      range.append(LEAVES[i]);
      expect(range.root().toString('hex')).toBe(ROOTS[i]);
      const restored = CompactRange.of(range.size, range.hashes());
      expect(restored.root().equals(range.root())).toBe(true);
    }
  });

  it('refuses a compact range whose peaks do not fit its size', () => {
    expect(() => CompactRange.of(3, [LEAVES[0]])).toThrow(RangeError);
  });
});

describe('transparency-dev/merkle test vectors', () => {
  const hasher = leafRangeHasher(LEAVES);

  it.each([
    // testdata/inclusion/2/happy-path.json
    { leafIdx: 5, treeSize: 8, root: 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', leaf: 'QnGia+DYqE8L1UyMMC58s6O10fpngKQLzOKHNHfatlg=', proof: ['vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=', 'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc='] },
    // testdata/inclusion/4/happy-path.json
    { leafIdx: 1, treeSize: 5, root: 'Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=', leaf: 'lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=', proof: ['bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=', 'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms='] },
  ])('inclusion of leaf $leafIdx in $treeSize: generates and verifies the published proof', ({ leafIdx, treeSize, root, leaf, proof }) => {
    expect(LEAVES[leafIdx].equals(b64(leaf))).toBe(true);
    expect(inclusionProof(leafIdx, treeSize, hasher).map((h) => h.toString('base64'))).toEqual(proof);
    expect(verifyInclusion(b64(leaf), leafIdx, treeSize, proof.map(b64), b64(root))).toBe(true);
    expect(verifyInclusion(b64(leaf), leafIdx + 1, treeSize, proof.map(b64), b64(root))).toBe(false);
    expect(verifyInclusion(b64(leaf), leafIdx, treeSize * 2, proof.map(b64), b64(root))).toBe(false);
    expect(verifyInclusion(b64(leaf), leafIdx, treeSize, proof.slice(1).map(b64), b64(root))).toBe(false);
    expect(verifyInclusion(b64(leaf), leafIdx, treeSize, [...proof, proof[0]].map(b64), b64(root))).toBe(false);
  });

  it.each([
    // testdata/consistency/{0,1,2,3}/happy-path.json
    { size1: 1, size2: 1, root1: 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=', root2: 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=', proof: [] as string[] },
    { size1: 1, size2: 8, root1: 'bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=', root2: 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', proof: ['lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c=', 'Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'a0eq8p7jwq+a+Im8H7klTavTEXfxYjLdaqsDXKOb9uQ='] },
    { size1: 6, size2: 8, root1: 'duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8=', root2: 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=', proof: ['DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=', 'yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=', '037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc='] },
    { size1: 2, size2: 5, root1: '+sVCA+fMaWzw38tCySodnbr3CtnmIfS9jZhmLwDjwSU=', root2: 'Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ=', proof: ['Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=', 'vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms='] },
  ])('consistency $size1 -> $size2: generates and verifies the published proof', ({ size1, size2, root1, root2, proof }) => {
    expect(subtreeRoot(LEAVES.slice(0, size1)).equals(b64(root1))).toBe(true);
    expect(consistencyProof(size1, size2, hasher).map((h) => h.toString('base64'))).toEqual(proof);
    expect(verifyConsistency(size1, size2, proof.map(b64), b64(root1), b64(root2))).toBe(true);
    if (proof.length > 0) {
      expect(verifyConsistency(size1, size2, proof.slice(1).map(b64), b64(root1), b64(root2))).toBe(false);
      expect(verifyConsistency(size1, size2, proof.map(b64), b64(root2), b64(root1))).toBe(false);
    }
  });

  it('refuses a proof of a leaf outside the tree', () => {
    expect(() => inclusionProof(8, 8, hasher)).toThrow(RangeError);
    expect(verifyInclusion(LEAVES[0], 0, 0, [], emptyRoot())).toBe(false);
  });

  it('refuses a consistency proof of an equal size with differing roots', () => {
    expect(verifyConsistency(3, 3, [], hex(ROOTS[2]), hex(ROOTS[3]))).toBe(false);
  });
});

describe('proofs for every tree up to 64 leaves', () => {
  const N = 64;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(Buffer.from(`entry ${i}`)));
  const hasher = leafRangeHasher(leaves);
  const roots = Array.from({ length: N + 1 }, (_, n) => subtreeRoot(leaves, 0, n));

  /** The proof with one bit of one hash flipped (each hash in turn, a different bit each time). */
  function flipped(proof: Buffer[], at: number): Buffer[] {
    return proof.map((hash, i) => {
      if (i !== at) return hash;
      const copy = Buffer.from(hash);
      copy[(at * 7) % copy.length] ^= 1 << at % 8;
      return copy;
    });
  }

  it('every inclusion proof verifies, and fails with any hash flipped, the wrong leaf or the wrong index', () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(m, n, hasher);
        expect(verifyInclusion(leaves[m], m, n, proof, roots[n])).toBe(true);
        for (let i = 0; i < proof.length; i++) expect(verifyInclusion(leaves[m], m, n, flipped(proof, i), roots[n])).toBe(false);
        expect(verifyInclusion(leaves[(m + 1) % n], m, n, proof, roots[n])).toBe(n === 1);
        if (n > 1) expect(verifyInclusion(leaves[m], (m + 1) % n, n, proof, roots[n])).toBe(false);
      }
    }
  });

  it('every consistency proof verifies, and fails with any hash flipped or the wrong old root', () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, hasher);
        expect(verifyConsistency(m, n, proof, roots[m], roots[n])).toBe(true);
        for (let i = 0; i < proof.length; i++) expect(verifyConsistency(m, n, flipped(proof, i), roots[m], roots[n])).toBe(false);
        if (m < n) expect(verifyConsistency(m, n, proof, roots[m - 1], roots[n])).toBe(false);
      }
    }
  });
});
