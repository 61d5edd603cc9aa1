import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { curveByAlgorithm, curveByName, requireCurve } from './curves';
import { encodeEcdsaKeyMaterial } from './ecdsa-block';
import { cachedKeyEncoding } from './key-material-cache';
import { encodeRsaKeyMaterial } from './rsa-block';

// Which Secure Boot key type a node:crypto key is, and the per-type facts the
// block formats depend on.

/** The Secure Boot key type of a key: RSA exactly 3072-bit or EC P-192/P-256/P-384; else UnsupportedKey. */
export function algorithmOfPublicKey(key: KeyObject): KeyAlgorithm {
  if (key.type === 'secret') {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'A secret (symmetric) key cannot sign firmware');
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if (details.modulusLength !== 3072) {
      throw new FleetSignError(
        ErrorCode.UnsupportedKey,
        `RSA key has ${details.modulusLength ?? 'unknown'} bits; Secure Boot V2 needs exactly 3072`,
      );
    }
    return 'rsa3072';
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = details.namedCurve ? curveByName(details.namedCurve) : undefined;
    if (!curve) {
      throw new FleetSignError(
        ErrorCode.UnsupportedKey,
        `EC curve ${details.namedCurve ?? 'unknown'} is not supported; use P-192, P-256 or P-384`,
      );
    }
    return curve.algorithm;
  }
  throw new FleetSignError(
    ErrorCode.UnsupportedKey,
    `Key type ${key.asymmetricKeyType ?? 'unknown'} is not supported; use RSA-3072 or ECDSA P-192/P-256/P-384`,
  );
}

/** The public half of a private or public key. */
export function toPublicKey(key: KeyObject): KeyObject {
  if (key.type === 'public') return key;
  if (key.type === 'private') return createPublicKey(key);
  throw new FleetSignError(ErrorCode.UnsupportedKey, 'A secret (symmetric) key has no public half');
}

/** Hash for the image digest and signature of a V2 block: SHA-384 for P-384, SHA-256 otherwise. */
export function digestAlgorithmFor(alg: KeyAlgorithm): 'sha256' | 'sha384' {
  return curveByAlgorithm(alg)?.digest ?? 'sha256';
}

/** Byte size of a coordinate and of r and s: 24 (P-192), 32 (P-256), 48 (P-384). */
export function ecdsaFieldSize(alg: KeyAlgorithm): number {
  return requireCurve(alg).fieldSize;
}

/** Length in bytes of a raw signature as DigestSigner returns it: 384 for RSA, 2 × field size for ECDSA. */
export function rawSignatureLength(alg: KeyAlgorithm): number {
  const curve = curveByAlgorithm(alg);
  return curve ? 2 * curve.fieldSize : 384;
}

/** The key material exactly as a V2 block embeds it (spec section 5: 776, 65 or 97 bytes). */
export function keyMaterialV2(key: KeyObject): Buffer {
  const publicKey = toPublicKey(key);
  const curve = curveByAlgorithm(algorithmOfPublicKey(publicKey));
  return curve ? encodeEcdsaKeyMaterial(publicKey, curve) : encodeRsaKeyMaterial(publicKey);
}

/** The 32-byte SHA-256 public-key digest burnt into eFuse (spec section 5), from a private or public key. */
export function publicKeyDigestV2(key: KeyObject): Buffer {
  const publicKey = toPublicKey(key);
  return cachedKeyEncoding(publicKey, 'digest-v2', () => createHash('sha256').update(keyMaterialV2(publicKey)).digest());
}
