/** Where a PKCS#11 signing key lives and how to log in to its token. */
export interface Pkcs11KeyRef {
  /** Path of the PKCS#11 module (.so / .dll). */
  modulePath: string;
  /** Slot id; when tokenLabel is also given both must match. */
  slot?: number;
  /** Token label (CKA_LABEL of the token, trailing blanks ignored). */
  tokenLabel?: string;
  /** CKA_LABEL of the private key. */
  keyLabel?: string;
  /** CKA_ID of the private key, hex. */
  keyId?: string;
  /** CKA_LABEL of the public key when it differs from the private key's. */
  publicKeyLabel?: string;
  /** User PIN. */
  pin: string;
  /** Sessions in the pool, i.e. signatures in flight at once (default 4). */
  sessions?: number;
}
