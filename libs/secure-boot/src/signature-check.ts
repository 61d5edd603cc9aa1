import { constants, createHash, verify, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from './algorithms';
import { digestAlgorithmFor } from './keys';

/** Salt length of Secure Boot's RSA-PSS signatures (SHA-256, MGF1-SHA-256). */
export const RSA_PSS_SALT_LENGTH = 32;

/** The image digest a V2 block of `alg` carries for `data` (SHA-256, SHA-384 for P-384). */
export function imageDigestFor(alg: KeyAlgorithm, data: Buffer): Buffer {
  return createHash(digestAlgorithmFor(alg)).update(data).digest();
}

/**
 * Checks a raw signature (RSA: 384 bytes BE PSS; ECDSA: r‖s BE) over `data` with
 * node:crypto, exactly as Secure Boot defines it. False for any failure.
 */
export function verifyRawSignature(
  alg: KeyAlgorithm,
  publicKey: KeyObject,
  data: Buffer,
  signature: Buffer,
): boolean {
  const hash = digestAlgorithmFor(alg);
  try {
    if (alg === 'rsa3072') {
      return verify(
        hash,
        data,
        { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALT_LENGTH },
        signature,
      );
    }
    return verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    // node:crypto throws for a key of the wrong type or a malformed signature.
    return false;
  }
}
