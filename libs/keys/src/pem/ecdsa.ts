import { createECDH, type KeyObject } from 'node:crypto';
import type { EcCurve } from '../key-algorithm';
import { sec1PrivateScalar } from '../der';
import { bigIntToBuffer, bits2int, bufferToBigInt, rfc6979Nonces } from './rfc6979';

// ECDSA over a precomputed digest with RFC 6979 nonces. node:crypto cannot sign a
// digest nor choose k, so the scalar arithmetic is done with BigInt and only k*G is
// left to OpenSSL (ECDH public-key derivation). BigInt is not constant-time: this
// provider is for development keys and espsecure parity; production keys live in HSMs.

/** Attempts before giving up on r = 0 or s = 0 (each has probability ~2^-190). */
const MAX_NONCE_ATTEMPTS = 8;

function mod(a: bigint, n: bigint): bigint {
  const r = a % n;
  return r < 0n ? r + n : r;
}

function modInverse(a: bigint, n: bigint): bigint {
  let [oldR, r] = [mod(a, n), n];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('value is not invertible');
  return mod(oldS, n);
}

/** The private scalar d of an EC private KeyObject. */
export function ecPrivateScalar(privateKey: KeyObject): bigint {
  const sec1 = privateKey.export({ format: 'der', type: 'sec1' });
  return bufferToBigInt(sec1PrivateScalar(sec1));
}

/**
 * Deterministic ECDSA (RFC 6979; HMAC-SHA-256 for a 32-byte digest, HMAC-SHA-384 for
 * a 48-byte one) of `digest` with private scalar `d`; returns r || s, each field-sized.
 */
export function signEcdsaDigestDeterministic(curve: EcCurve, d: bigint, digest: Buffer): Buffer {
  const n = curve.order;
  const qlen = n.toString(2).length;
  const hash = digest.length === 48 ? 'sha384' : 'sha256';
  const e = bits2int(digest, qlen);
  const nonces = rfc6979Nonces(n, d, digest, hash);
  for (let attempt = 0; attempt < MAX_NONCE_ATTEMPTS; attempt++) {
    const k = nonces.next().value as bigint;
    const ecdh = createECDH(curve.nodeName);
    ecdh.setPrivateKey(bigIntToBuffer(k, curve.fieldSize));
    const point = ecdh.getPublicKey();
    const r = mod(bufferToBigInt(point.subarray(1, 1 + curve.fieldSize)), n);
    if (r === 0n) continue;
    const s = mod(modInverse(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    return Buffer.concat([bigIntToBuffer(r, curve.fieldSize), bigIntToBuffer(s, curve.fieldSize)]);
  }
  throw new Error('ECDSA: no usable nonce found');
}
