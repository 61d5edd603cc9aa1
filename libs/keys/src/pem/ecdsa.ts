import type { KeyObject } from 'node:crypto';
import { ecdsa, weierstrassN, type ECDSA } from '@noble/curves/abstract/weierstrass';
import { p256, p384 } from '@noble/curves/nist';
import { sha256, sha384 } from '@noble/hashes/sha2';
import { sec1PrivateScalar } from '@fleetsign/secure-boot/der';
import type { EcdsaAlgorithm } from '../key-algorithm';

// ECDSA over a precomputed digest with RFC 6979 nonces, on @noble/curves (audited,
// constant-time scalar multiplication). node:crypto can neither sign a digest nor
// choose k, and espsecure's V1 output is RFC 6979, so the PEM provider needs this.

/**
 * P-192 (secp192r1 / prime192v1, SEC 2 section 2.2.2): @noble/curves ships P-256 and
 * P-384 ready-made; P-192 is its generic short-Weierstrass curve with these constants.
 */
const P192_POINT = weierstrassN({
  p: 0xfffffffffffffffffffffffffffffffeffffffffffffffffn,
  n: 0xffffffffffffffffffffffff99def836146bc9b1b4d22831n,
  h: 1n,
  a: 0xfffffffffffffffffffffffffffffffefffffffffffffffcn,
  b: 0x64210519e59c80e70fa7e9ab72243049feb8deecc146b9b1n,
  Gx: 0x188da80eb03090f67cbf20eb43a18800f4ff0afd82ff1012n,
  Gy: 0x07192b95ffc8da78631011ed6b24cdd573f977a11e794811n,
});

/**
 * One ECDSA instance per curve. The hash is only RFC 6979's HMAC-DRBG hash: the hash
 * of the digest Secure Boot signs (SHA-256 for P-192/P-256, SHA-384 for P-384).
 * `lowS: false`: ECDSA as OpenSSL and espsecure produce it, s is never negated.
 */
const ECDSA_BY_ALGORITHM: Readonly<Record<EcdsaAlgorithm, ECDSA>> = {
  'ecdsa-p192': ecdsa(P192_POINT, sha256, { lowS: false }),
  'ecdsa-p256': ecdsa(p256.Point, sha256, { lowS: false }),
  'ecdsa-p384': ecdsa(p384.Point, sha384, { lowS: false }),
};

/** The @noble/curves ECDSA of a curve (tests use its Point to check published nonces). */
export function ecdsaOf(algorithm: EcdsaAlgorithm): ECDSA {
  return ECDSA_BY_ALGORITHM[algorithm];
}

/** The private scalar d of an EC private KeyObject, big-endian (JWK has no P-192, so from SEC1). */
export function ecPrivateScalar(privateKey: KeyObject): Uint8Array {
  return sec1PrivateScalar(privateKey.export({ format: 'der', type: 'sec1' }));
}

/**
 * Deterministic ECDSA (RFC 6979) of `digest` (already hashed: prehash off) with
 * private scalar `d`; returns r || s, each field-sized, big-endian.
 */
export function signEcdsaDigestDeterministic(
  algorithm: EcdsaAlgorithm,
  d: Uint8Array,
  digest: Buffer,
): Buffer {
  const signature = ECDSA_BY_ALGORITHM[algorithm].sign(digest, d, {
    prehash: false,
    lowS: false,
    format: 'compact',
  });
  return Buffer.from(signature.toBytes('compact'));
}
