import { constants, createHash, createVerify, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from './algorithms';
import { digestAlgorithmFor } from './keys';
import { RSA_PSS_SALT_LENGTH } from './signature-check';
import { SECTOR_SIZE } from './signature-sector';

// V2 signs the image followed by 0xFF up to the next 4096 boundary. These helpers
// hash and verify "data ‖ 0xFF × paddingLength" incrementally, so a large image is
// never copied just to append a few erased bytes.

/** One sector of 0xFF, only ever read (fed to hashes in slices). */
const ERASED_SECTOR = Buffer.alloc(SECTOR_SIZE, 0xff);

/** Bytes of 0xFF that pad `length` bytes to the next multiple of 4096 (0 when aligned). */
export function sectorPaddingLength(length: number): number {
  const rest = length % SECTOR_SIZE;
  return rest === 0 ? 0 : SECTOR_SIZE - rest;
}

/** A new buffer of `length` 0xFF bytes (the padding as it is written out). */
export function erasedBytes(length: number): Buffer {
  return Buffer.alloc(length, 0xff);
}

/** Feeds `length` 0xFF bytes to a hash or verifier. */
export function updateWithErased(target: { update(data: Buffer): unknown }, length: number): void {
  for (let left = length; left > 0; left -= SECTOR_SIZE) target.update(ERASED_SECTOR.subarray(0, Math.min(left, SECTOR_SIZE)));
}

/** The V2 image digest (SHA-256; SHA-384 for P-384) of `data` followed by `paddingLength` bytes of 0xFF. */
export function paddedImageDigest(alg: KeyAlgorithm, data: Buffer, paddingLength: number): Buffer {
  const hash = createHash(digestAlgorithmFor(alg)).update(data);
  updateWithErased(hash, paddingLength);
  return hash.digest();
}

/**
 * Checks a raw signature (RSA: 384 bytes BE PSS; ECDSA: r‖s BE) over `data` followed by
 * `paddingLength` bytes of 0xFF, exactly as verifyRawSignature does over the padded
 * copy. False for any failure.
 */
export function verifyPaddedSignature(
  alg: KeyAlgorithm,
  publicKey: KeyObject,
  data: Buffer,
  paddingLength: number,
  signature: Buffer,
): boolean {
  try {
    const verifier = createVerify(digestAlgorithmFor(alg)).update(data);
    updateWithErased(verifier, paddingLength);
    return alg === 'rsa3072'
      ? verifier.verify({ key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH }, signature)
      : verifier.verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    // node:crypto throws for a key of the wrong type or a malformed signature.
    return false;
  }
}
