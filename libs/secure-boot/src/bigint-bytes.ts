import { ErrorCode, FleetSignError } from '@fleetsign/errors';

// Secure Boot stores big numbers least-significant byte first, node:crypto and
// OpenSSL speak big-endian: these helpers convert between bytes and BigInt.

/** Reads an unsigned big-endian integer. */
export function bigIntFromBE(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + Buffer.from(bytes).toString('hex'));
}

/** Reads an unsigned little-endian integer ("LE bignum"). */
export function bigIntFromLE(bytes: Uint8Array): bigint {
  return bigIntFromBE(Buffer.from(bytes).reverse());
}

/** Writes `value` as an unsigned big-endian integer of exactly `size` bytes. */
export function bigIntToBE(value: bigint, size: number): Buffer {
  if (value < 0n) {
    throw new FleetSignError(ErrorCode.Internal, 'Negative numbers have no unsigned encoding');
  }
  const hex = value.toString(16);
  if (hex.length > size * 2) {
    throw new FleetSignError(ErrorCode.Internal, `Number does not fit in ${size} bytes`);
  }
  return Buffer.from(hex.padStart(size * 2, '0'), 'hex');
}

/** Writes `value` as an unsigned little-endian integer of exactly `size` bytes ("LE bignum"). */
export function bigIntToLE(value: bigint, size: number): Buffer {
  return bigIntToBE(value, size).reverse();
}

/** base^exponent mod modulus, square-and-multiply. */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n % modulus;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** The inverse of `a` modulo `modulus` (extended Euclid); throws when none exists. */
export function modInverse(a: bigint, modulus: bigint): bigint {
  let [oldR, r] = [((a % modulus) + modulus) % modulus, modulus];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) {
    throw new FleetSignError(ErrorCode.Internal, 'Number has no modular inverse');
  }
  return ((oldS % modulus) + modulus) % modulus;
}

/** Number of significant bits of a non-negative integer. */
export function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}
