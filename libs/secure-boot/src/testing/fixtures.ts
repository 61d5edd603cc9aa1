import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DigestSigner, KeyAlgorithm } from '../algorithms';
import { digestSignerFromPrivateKey } from './digest-signers';

// Shared test fixtures: one key pair per algorithm (RSA-3072 generation is slow,
// so a spec file calls this once) and deterministic pseudo-random data.

/** A private key, its public half and a DigestSigner over it. */
export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  signer: DigestSigner;
}

/** Generates one fresh key pair for the given algorithm. */
export function generateTestKey(algorithm: KeyAlgorithm): TestKey {
  const { privateKey, publicKey } =
    algorithm === 'rsa3072'
      ? generateKeyPairSync('rsa', { modulusLength: 3072, publicExponent: 65537 })
      : generateKeyPairSync('ec', {
          namedCurve: { 'ecdsa-p192': 'prime192v1', 'ecdsa-p256': 'prime256v1', 'ecdsa-p384': 'secp384r1' }[
            algorithm
          ],
        });
  return { privateKey, publicKey, signer: digestSignerFromPrivateKey(privateKey) };
}

/** Deterministic bytes (SHA-256 in counter mode) so failures reproduce. */
export function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  for (let offset = 0, counter = 0; offset < length; counter++) {
    const block = createHash('sha256').update(`${seed}:${counter}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}
