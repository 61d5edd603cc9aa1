import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { bigIntFromLE, bigIntToLE, bitLength, modInverse, modPow } from './bigint-bytes';
import { BLOCK_VERSION_RSA, newBlockFrame, sealBlockFrame } from './block-frame';
import { cachedKeyEncoding } from './key-material-cache';
import { rsaPublicKeyFromNumbers, rsaPublicNumbers } from './public-key-numbers';

// The RSA-3072 signature block, version 0x02 (spec section 3).

/** Byte offsets inside an RSA-3072 block. */
export const RSA_BLOCK_OFFSETS = {
  imageDigest: 4,
  modulus: 36,
  exponent: 420,
  rinv: 424,
  mPrime: 808,
  signature: 812,
} as const;

/** Size in bytes of the modulus, of R and of the signature. */
export const RSA_MODULUS_BYTES = 384;
/** Key material length (n ‖ e ‖ R ‖ M', block bytes 36..811), hashed for the eFuse digest. */
export const RSA_KEY_MATERIAL_LENGTH = RSA_BLOCK_OFFSETS.signature - RSA_BLOCK_OFFSETS.modulus;

const TWO_32 = 1n << 32n;

/**
 * The Montgomery constants the ROM needs: R = 2^6144 mod n (espsecure's "rinv")
 * and M' = -n^-1 mod 2^32.
 */
export function rsaMontgomeryConstants(n: bigint): { r: bigint; mPrime: number } {
  const r = modPow(2n, 2n * 8n * BigInt(RSA_MODULUS_BYTES), n);
  const inverse = modInverse(n % TWO_32, TWO_32);
  return { r, mPrime: Number((TWO_32 - inverse) % TWO_32) };
}

/** The 776 bytes n(384 LE) ‖ e(u32) ‖ R(384 LE) ‖ M'(u32) of an RSA-3072 public key. */
export function encodeRsaKeyMaterial(publicKey: KeyObject): Buffer {
  return cachedKeyEncoding(publicKey, 'rsa', () => computeRsaKeyMaterial(publicKey));
}

function computeRsaKeyMaterial(publicKey: KeyObject): Buffer {
  const { n, e } = rsaPublicNumbers(publicKey);
  if (bitLength(n) !== RSA_MODULUS_BYTES * 8) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `RSA key has ${bitLength(n)} bits; Secure Boot V2 needs 3072`,
    );
  }
  if (e >= TWO_32) {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'RSA public exponent does not fit in 32 bits');
  }
  const { r, mPrime } = rsaMontgomeryConstants(n);
  const material = Buffer.alloc(RSA_KEY_MATERIAL_LENGTH);
  const base = RSA_BLOCK_OFFSETS.modulus;
  bigIntToLE(n, RSA_MODULUS_BYTES).copy(material, RSA_BLOCK_OFFSETS.modulus - base);
  material.writeUInt32LE(Number(e), RSA_BLOCK_OFFSETS.exponent - base);
  bigIntToLE(r, RSA_MODULUS_BYTES).copy(material, RSA_BLOCK_OFFSETS.rinv - base);
  material.writeUInt32LE(mPrime, RSA_BLOCK_OFFSETS.mPrime - base);
  return material;
}

/** Builds a sealed RSA-3072 block; `signature` is the 384-byte big-endian RSA-PSS signature. */
export function encodeRsaBlock(input: {
  imageDigest: Buffer;
  publicKey: KeyObject;
  signature: Buffer;
}): Buffer {
  if (input.imageDigest.length !== 32) {
    throw new FleetSignError(ErrorCode.InvalidDigest, 'RSA-3072 blocks carry a 32-byte SHA-256 image digest');
  }
  if (input.signature.length !== RSA_MODULUS_BYTES) {
    throw new FleetSignError(
      ErrorCode.SignatureVerificationFailed,
      `RSA-3072 signature must be ${RSA_MODULUS_BYTES} bytes, got ${input.signature.length}`,
    );
  }
  const block = newBlockFrame(BLOCK_VERSION_RSA, 0);
  input.imageDigest.copy(block, RSA_BLOCK_OFFSETS.imageDigest);
  encodeRsaKeyMaterial(input.publicKey).copy(block, RSA_BLOCK_OFFSETS.modulus);
  // The block stores the signature as a little-endian bignum: byte-reversed.
  Buffer.from(input.signature).reverse().copy(block, RSA_BLOCK_OFFSETS.signature);
  return sealBlockFrame(block);
}

/** What an RSA-3072 block holds. */
export interface DecodedRsaBlock {
  imageDigest: Buffer;
  publicKey: KeyObject;
  /** Block bytes 36..811 exactly as stored (what the ROM hashes for the eFuse digest). */
  keyMaterial: Buffer;
  /** Signature, big-endian (as node:crypto verifies it). */
  signature: Buffer;
  /** True when the stored R and M' are the ones derived from the stored n. */
  montgomeryConstantsOk: boolean;
}

/** Reads an RSA-3072 block; throws InvalidSignatureBlock when the embedded key is unusable. */
export function decodeRsaBlock(raw: Buffer): DecodedRsaBlock {
  const o = RSA_BLOCK_OFFSETS;
  const n = bigIntFromLE(raw.subarray(o.modulus, o.modulus + RSA_MODULUS_BYTES));
  const e = BigInt(raw.readUInt32LE(o.exponent));
  if (bitLength(n) !== RSA_MODULUS_BYTES * 8 || n % 2n === 0n) {
    throw new FleetSignError(
      ErrorCode.InvalidSignatureBlock,
      'RSA block modulus is not an odd 3072-bit number',
    );
  }
  if (e < 3n || e % 2n === 0n) {
    throw new FleetSignError(ErrorCode.InvalidSignatureBlock, `RSA block public exponent ${e} is not valid`);
  }
  let publicKey: KeyObject;
  try {
    publicKey = rsaPublicKeyFromNumbers(n, e);
  } catch (err) {
    throw new FleetSignError(
      ErrorCode.InvalidSignatureBlock,
      'RSA block public key is not usable',
      undefined,
      {
        cause: err,
      },
    );
  }
  const expected = rsaMontgomeryConstants(n);
  const storedR = bigIntFromLE(raw.subarray(o.rinv, o.rinv + RSA_MODULUS_BYTES));
  const storedMPrime = raw.readUInt32LE(o.mPrime);
  return {
    imageDigest: Buffer.from(raw.subarray(o.imageDigest, o.imageDigest + 32)),
    publicKey,
    keyMaterial: Buffer.from(raw.subarray(o.modulus, o.signature)),
    signature: Buffer.from(raw.subarray(o.signature, o.signature + RSA_MODULUS_BYTES)).reverse(),
    montgomeryConstantsOk: storedR === expected.r && storedMPrime === expected.mPrime,
  };
}
