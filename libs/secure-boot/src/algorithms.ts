import type { KeyObject } from 'node:crypto';

/** A signing key type that ESP32 Secure Boot understands. */
export type KeyAlgorithm = 'rsa3072' | 'ecdsa-p192' | 'ecdsa-p256' | 'ecdsa-p384';

/** A signing scheme as named in FleetSign profiles: Secure Boot version plus key type. */
export type SigningScheme =
  | 'sbv2-rsa3072'
  | 'sbv2-ecdsa-p192'
  | 'sbv2-ecdsa-p256'
  | 'sbv2-ecdsa-p384'
  | 'sbv1-ecdsa-p256';

export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = ['rsa3072', 'ecdsa-p192', 'ecdsa-p256', 'ecdsa-p384'];
export const SIGNING_SCHEMES: readonly SigningScheme[] = [
  'sbv2-rsa3072',
  'sbv2-ecdsa-p192',
  'sbv2-ecdsa-p256',
  'sbv2-ecdsa-p384',
  'sbv1-ecdsa-p256',
];

/**
 * Anything that can sign a precomputed digest with one key: a PEM file, a PKCS#11
 * token or a cloud KMS. The secure-boot code never sees private keys, only this.
 */
export interface DigestSigner {
  readonly algorithm: KeyAlgorithm;
  /** The public half of the signing key (SubjectPublicKeyInfo). */
  readonly publicKey: KeyObject;
  /**
   * Signs `digest` (SHA-256; SHA-384 for P-384) and returns the raw signature:
   * RSA-PSS-3072 (SHA-256, MGF1-SHA-256, salt 32): 384 bytes big-endian;
   * ECDSA: r || s big-endian, each exactly the curve's field size (24/32/48 bytes).
   */
  sign(digest: Buffer): Promise<Buffer>;
}
