import { constants, createHash, verify } from 'node:crypto';
import type { KeyAlgorithm } from '@fleetsign/secure-boot/algorithms';
import type { KeySigner, Pkcs11KeyRef } from '@fleetsign/keys';
import { requireTestEnv, TEST_TOKEN_KEYS } from '../../support/test-env';

export type TestKeyName = keyof typeof TEST_TOKEN_KEYS;

/** The algorithm each key of the shared test token was generated with. */
export const TEST_KEY_ALGORITHMS: Record<TestKeyName, KeyAlgorithm> = {
  rsa3072: 'rsa3072',
  rsa3072b: 'rsa3072',
  p192: 'ecdsa-p192',
  p256: 'ecdsa-p256',
  p256b: 'ecdsa-p256',
  p384: 'ecdsa-p384',
};

/** A key reference to the shared test token (set up by the integration global setup). */
export function testTokenRef(overrides: Partial<Pkcs11KeyRef> = {}): Pkcs11KeyRef {
  return {
    modulePath: requireTestEnv('pkcs11Module'),
    tokenLabel: requireTestEnv('tokenLabel'),
    pin: requireTestEnv('tokenPin'),
    ...overrides,
  };
}

function hashFor(algorithm: KeyAlgorithm): 'sha256' | 'sha384' {
  return algorithm === 'ecdsa-p384' ? 'sha384' : 'sha256';
}

/** The digest `signer` signs for `message`. */
export function digestFor(signer: Pick<KeySigner, 'algorithm'>, message: Buffer): Buffer {
  return createHash(hashFor(signer.algorithm)).update(message).digest();
}

/** Verifies a raw signature over `message` with node:crypto, independently of FleetSign code. */
export function verifiesWithNode(signer: Pick<KeySigner, 'algorithm' | 'publicKey'>, message: Buffer, signature: Buffer): boolean {
  if (signer.algorithm === 'rsa3072') {
    return verify('sha256', message, { key: signer.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature);
  }
  return verify(hashFor(signer.algorithm), message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}
