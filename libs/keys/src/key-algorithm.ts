import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from '@fleetsign/secure-boot/algorithms';
import { ECDSA_CURVES } from '@fleetsign/secure-boot/curves';
import { DER_OID, derEncode } from '@fleetsign/secure-boot/der';

/** The one RSA size ESP32 Secure Boot V2 accepts. */
export const RSA_MODULUS_BITS = 3072;
/** Raw RSA-3072 signature length in bytes. */
export const RSA_SIGNATURE_LENGTH = RSA_MODULUS_BITS / 8;
/** Salt length of the RSA-PSS signatures Secure Boot V2 verifies. */
export const RSA_PSS_SALT_LENGTH = 32;

/** The ECDSA members of KeyAlgorithm. */
export type EcdsaAlgorithm = Exclude<KeyAlgorithm, 'rsa3072'>;

/** What the key providers need to know about one supported curve. */
export interface EcCurve {
  readonly algorithm: EcdsaAlgorithm;
  /** OpenSSL / node:crypto curve name. */
  readonly nodeName: string;
  /** Bytes per coordinate and per signature half (r, s). */
  readonly fieldSize: number;
  /** DER of the named-curve OBJECT IDENTIFIER, tag and length included (what CKA_EC_PARAMS holds). */
  readonly oidDer: Buffer;
}

/** The curves Secure Boot V2 signs with, by algorithm: libs/secure-boot's table seen from the key providers. */
export const EC_CURVES: Readonly<Record<EcdsaAlgorithm, EcCurve>> = Object.freeze(
  Object.fromEntries(
    ECDSA_CURVES.map((curve) => [
      curve.algorithm,
      {
        algorithm: curve.algorithm as EcdsaAlgorithm,
        nodeName: curve.opensslName,
        fieldSize: curve.fieldSize,
        oidDer: derEncode(DER_OID, curve.oidDer),
      },
    ]),
  ) as Record<EcdsaAlgorithm, EcCurve>,
);

/** The curve record of an ECDSA algorithm. */
export function ecCurveOf(algorithm: EcdsaAlgorithm): EcCurve {
  return EC_CURVES[algorithm];
}

/** The ECDSA algorithm whose curve has this OpenSSL name, if supported. */
export function ecAlgorithmOfCurveName(name: string): EcdsaAlgorithm | undefined {
  return Object.values(EC_CURVES).find((c) => c.nodeName === name)?.algorithm;
}

/** The ECDSA algorithm whose named-curve OID DER equals `oidDer`, if supported. */
export function ecAlgorithmOfOid(oidDer: Buffer): EcdsaAlgorithm | undefined {
  return Object.values(EC_CURVES).find((c) => c.oidDer.equals(oidDer))?.algorithm;
}

/** Length in bytes of the raw signature an algorithm produces (384, or 2 x field size). */
export function signatureLength(algorithm: KeyAlgorithm): number {
  return algorithm === 'rsa3072' ? RSA_SIGNATURE_LENGTH : 2 * EC_CURVES[algorithm].fieldSize;
}

/** Length of the digest an algorithm signs: 48 (SHA-384) for P-384, else 32 (SHA-256). */
export function digestLengthFor(algorithm: KeyAlgorithm): number {
  return algorithm === 'ecdsa-p384' ? 48 : 32;
}

/** Throws InvalidDigest unless `digest` has the length `algorithm` signs. */
export function assertDigestLength(algorithm: KeyAlgorithm, digest: Buffer): void {
  const expected = digestLengthFor(algorithm);
  if (!Buffer.isBuffer(digest) || digest.length !== expected) {
    const found = Buffer.isBuffer(digest) ? `${digest.length} bytes` : typeof digest;
    throw new FleetSignError(
      ErrorCode.InvalidDigest,
      `${algorithm} signs a ${expected}-byte ${expected === 48 ? 'SHA-384' : 'SHA-256'} digest, got ${found}`,
      { algorithm, expected, actual: Buffer.isBuffer(digest) ? digest.length : undefined },
    );
  }
}

/**
 * The Secure Boot algorithm of a key (private or public): RSA must be exactly 3072-bit,
 * EC must be P-192, P-256 or P-384; anything else is UnsupportedKey naming what was found.
 */
export function algorithmOfKey(key: KeyObject): KeyAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength;
    if (bits !== RSA_MODULUS_BITS) {
      throw new FleetSignError(ErrorCode.UnsupportedKey, `RSA key is ${bits}-bit; Secure Boot V2 needs RSA-3072`, {
        keyType: 'rsa',
        modulusBits: bits,
      });
    }
    return 'rsa3072';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve ?? 'unknown';
    const algorithm = ecAlgorithmOfCurveName(curve);
    if (!algorithm) {
      throw new FleetSignError(
        ErrorCode.UnsupportedKey,
        `EC key on curve ${curve} is not supported; use P-192, P-256 or P-384`,
        { keyType: 'ec', curve },
      );
    }
    return algorithm;
  }
  throw new FleetSignError(
    ErrorCode.UnsupportedKey,
    `${type ?? 'unknown'} keys are not supported; use RSA-3072 or ECDSA P-192/P-256/P-384`,
    { keyType: type },
  );
}
