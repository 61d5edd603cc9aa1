import type { KeySpec, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import type { KeyAlgorithm } from '@fleetsign/secure-boot';

/** How FleetSign signs with one kind of KMS key. */
export interface KmsSigningMode {
  algorithm: KeyAlgorithm;
  signingAlgorithm: SigningAlgorithmSpec;
}

/**
 * The KMS key specs Secure Boot can use. KMS has no P-192 keys. AWS KMS's
 * RSASSA_PSS_SHA_256 uses MGF1-SHA-256 with a salt as long as the digest (32 bytes),
 * which is exactly the RSA-PSS the ESP32 ROM verifies; ECDSA_SHA_384 on P-384 matches
 * the SHA-384 image digest Secure Boot V2 uses with that curve.
 */
export const KMS_SIGNING_MODES: Readonly<Partial<Record<KeySpec, KmsSigningMode>>> = {
  RSA_3072: { algorithm: 'rsa3072', signingAlgorithm: 'RSASSA_PSS_SHA_256' },
  ECC_NIST_P256: { algorithm: 'ecdsa-p256', signingAlgorithm: 'ECDSA_SHA_256' },
  ECC_NIST_P384: { algorithm: 'ecdsa-p384', signingAlgorithm: 'ECDSA_SHA_384' },
};

/** The signing mode of a KMS key spec, or undefined when Secure Boot cannot use it. */
export function kmsSigningModeOf(keySpec: string | undefined): KmsSigningMode | undefined {
  return keySpec && Object.hasOwn(KMS_SIGNING_MODES, keySpec)
    ? KMS_SIGNING_MODES[keySpec as KeySpec]
    : undefined;
}
