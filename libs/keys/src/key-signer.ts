import type { DigestSigner } from '@fleetsign/secure-boot/algorithms';

/** A DigestSigner backed by one key in one provider (PEM file, PKCS#11 token, cloud KMS). */
export interface KeySigner extends DigestSigner {
  /** Where the key lives, e.g. 'pkcs11:token=fwsign;object=fw-ec-p256'; never holds a PIN or key material. */
  readonly description: string;
  /** Releases sessions and handles; the signer must not be used afterwards. */
  close(): Promise<void>;
}
