import * as pkcs11js from 'pkcs11js';
import type { KeyAlgorithm } from '@fleetsign/secure-boot/algorithms';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { assertDigestLength, RSA_PSS_SALT_LENGTH, signatureLength } from '../key-algorithm';
import type { TokenPrivateKey } from './token-keys';

/** The PKCS#11 mechanism that signs a precomputed digest for an algorithm, and the key type it needs. */
export function signingMechanism(algorithm: KeyAlgorithm): { mechanism: pkcs11js.Mechanism; keyType: number } {
  if (algorithm === 'rsa3072') {
    const parameter: pkcs11js.RsaPSS = {
      type: pkcs11js.CK_PARAMS_RSA_PSS,
      hashAlg: pkcs11js.CKM_SHA256,
      mgf: pkcs11js.CKG_MGF1_SHA256,
      saltLen: RSA_PSS_SALT_LENGTH,
    };
    return { mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter }, keyType: pkcs11js.CKK_RSA };
  }
  return { mechanism: { mechanism: pkcs11js.CKM_ECDSA }, keyType: pkcs11js.CKK_EC };
}

/**
 * Signs `digest` with a token key on one session: CKM_RSA_PKCS_PSS (SHA-256, MGF1-SHA-256,
 * salt 32) or CKM_ECDSA, returning the raw signature. Key type, curve and digest length
 * are checked before C_SignInit: a mismatch there makes some tokens crash the process
 * (PSS on an EC key in SoftHSM2) or sign the wrong input silently (48 bytes to P-256).
 */
export async function signDigestOnSession(
  pkcs11: pkcs11js.PKCS11,
  session: Buffer,
  key: TokenPrivateKey,
  algorithm: KeyAlgorithm,
  digest: Buffer,
): Promise<Buffer> {
  assertDigestLength(algorithm, digest);
  const { mechanism, keyType } = signingMechanism(algorithm);
  if (key.keyType !== keyType || key.algorithm !== algorithm) {
    throw new FleetSignError(ErrorCode.KeyMechanismMismatch, `a ${key.algorithm} token key cannot make ${algorithm} signatures`, {
      keyAlgorithm: key.algorithm,
      requested: algorithm,
    });
  }
  const expected = signatureLength(algorithm);
  // Sized exactly: after CKR_BUFFER_TOO_SMALL the operation would stay active on the session.
  const output = Buffer.alloc(expected);
  pkcs11.C_SignInit(session, mechanism, key.handle);
  const signature = await new Promise<Buffer>((resolve, reject) => {
    pkcs11.C_Sign(session, digest, output, (err, data) => (err ? reject(err) : resolve(data)));
  });
  if (signature.length !== expected) {
    throw new FleetSignError(ErrorCode.HsmError, `token returned a ${signature.length}-byte ${algorithm} signature, expected ${expected}`);
  }
  return Buffer.from(signature);
}
