import { generateKeyPairSync } from 'node:crypto';
import type { KeyAlgorithm } from '@fleetsign/secure-boot/algorithms';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { EC_CURVES, RSA_MODULUS_BITS } from '../key-algorithm';

/**
 * A new unencrypted signing key as "traditional" PEM, like espsecure generate-signing-key:
 * 'BEGIN RSA PRIVATE KEY' (3072-bit, e = 65537) or 'BEGIN EC PRIVATE KEY' (named curve).
 */
export function generateSigningKeyPem(algorithm: KeyAlgorithm): string {
  if (algorithm === 'rsa3072') {
    return generateKeyPairSync('rsa', {
      modulusLength: RSA_MODULUS_BITS,
      publicExponent: 65537,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
  }
  const curve = EC_CURVES[algorithm];
  if (!curve) throw new FleetSignError(ErrorCode.UnsupportedKey, `unknown key algorithm ${String(algorithm)}`);
  return generateKeyPairSync('ec', {
    namedCurve: curve.nodeName,
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}
