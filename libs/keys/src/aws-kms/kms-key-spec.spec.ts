import { kmsSigningModeOf } from './kms-key-spec';

describe('kmsSigningModeOf', () => {
  it.each([
    ['RSA_3072', 'rsa3072', 'RSASSA_PSS_SHA_256'],
    ['ECC_NIST_P256', 'ecdsa-p256', 'ECDSA_SHA_256'],
    ['ECC_NIST_P384', 'ecdsa-p384', 'ECDSA_SHA_384'],
  ])('signs %s keys as %s with %s', (keySpec, algorithm, signingAlgorithm) => {
    expect(kmsSigningModeOf(keySpec)).toEqual({ algorithm, signingAlgorithm });
  });

  it.each([
    'RSA_2048',
    'RSA_4096',
    'ECC_NIST_P521',
    'ECC_SECG_P256K1',
    'SYMMETRIC_DEFAULT',
    'HMAC_256',
    'ML_DSA_44',
    undefined,
  ])('has no mode for %s', (keySpec) => {
    expect(kmsSigningModeOf(keySpec)).toBeUndefined();
  });
});
