import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createPemSigner, loadPrivateKeyPem, loadPublicKeyPem, type KeySigner } from '@fleetsign/keys';
import {
  algorithmOfPublicKey,
  publicKeyFromV1Raw,
  toPublicKey,
  type KeyAlgorithm,
} from '@fleetsign/secure-boot';
import { readInputFile } from '../io/read-input';

/** Opens one PEM signer per private key file, in order; closes those already opened if one fails. */
export async function openPemSigners(paths: readonly string[]): Promise<KeySigner[]> {
  const signers: KeySigner[] = [];
  try {
    for (const path of paths) {
      const pem = await readInputFile(path, 'key file');
      signers.push(withKeyFileName(path, () => createPemSigner(pem)));
    }
    return signers;
  } catch (err) {
    await closeSigners(signers);
    throw err;
  }
}

/** Closes signers, ignoring close failures (the command's own error matters more). */
export async function closeSigners(signers: readonly KeySigner[]): Promise<void> {
  await Promise.all(signers.map((signer) => signer.close().catch(() => undefined)));
}

/** Loads the public key of a PEM file holding a public key or a private key (its public half). */
export async function loadPublicKeyFile(path: string): Promise<KeyObject> {
  const pem = await readInputFile(path, 'key file');
  return withKeyFileName(path, () => loadPublicKeyPem(pem));
}

/** Loads a PEM private key file and returns its public half (extract-public-key refuses public keys, as espsecure does). */
export async function loadPublicKeyOfPrivateKeyFile(path: string): Promise<KeyObject> {
  const pem = await readInputFile(path, 'key file');
  return withKeyFileName(path, () => toPublicKey(loadPrivateKeyPem(pem)));
}

/** Loads a Secure Boot V2 key (RSA-3072, P-192/256/384) and returns it with its algorithm. */
export async function loadV2PublicKeyFile(
  path: string,
): Promise<{ publicKey: KeyObject; algorithm: KeyAlgorithm }> {
  const publicKey = await loadPublicKeyFile(path);
  return { publicKey, algorithm: withKeyFileName(path, () => algorithmOfPublicKey(publicKey)) };
}

/**
 * Loads a Secure Boot V1 verification key: a PEM public or private key, or the 64-byte
 * raw X||Y file extract-public-key --version 1 writes. It must be a P-256 key.
 */
export async function loadV1VerificationKeyFile(path: string): Promise<KeyObject> {
  const bytes = await readInputFile(path, 'key file');
  let publicKey: KeyObject;
  if (bytes.includes('-----BEGIN')) publicKey = withKeyFileName(path, () => loadPublicKeyPem(bytes));
  else if (bytes.length === 64) publicKey = withKeyFileName(path, () => publicKeyFromV1Raw(bytes));
  else
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `Verification key "${path}" does not appear to be an EC key in PEM format or binary EC public key data`,
    );
  requireV1Key(publicKey, path);
  return publicKey;
}

/** Throws unless the key is ECDSA P-256, the only curve Secure Boot V1 supports. */
export function requireV1Key(publicKey: KeyObject, path: string): void {
  const algorithm = withKeyFileName(path, () => algorithmOfPublicKey(publicKey));
  if (algorithm !== 'ecdsa-p256')
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `Key "${path}" uses an incorrect curve (${algorithm}). ESP32 Secure Boot V1 only supports NIST256p (openssl calls this curve 'prime256v1')`,
    );
}

/** Runs a key-parsing step and names the file in its error (an unexpected one counts as an unusable key). */
function withKeyFileName<T>(path: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes(path)) throw err;
    const code = err instanceof FleetSignError ? err.code : ErrorCode.UnsupportedKey;
    const details = err instanceof FleetSignError ? err.details : undefined;
    throw new FleetSignError(code, `Key file "${path}": ${message}`, details, { cause: err });
  }
}
