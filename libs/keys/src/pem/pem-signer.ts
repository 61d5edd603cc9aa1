import { createHash, createPublicKey } from 'node:crypto';
import { algorithmOfKey, assertDigestLength } from '../key-algorithm';
import type { KeySigner } from '../key-signer';
import { ecPrivateScalar, signEcdsaDigestDeterministic } from './ecdsa';
import { loadPrivateKeyPem } from './pem-keys';
import { signRsaPssDigest } from './rsa-pss';

/**
 * A signer over a PEM private key: RSA-PSS-3072 (SHA-256, MGF1-SHA-256, salt 32) or
 * deterministic ECDSA (RFC 6979), so ECDSA output equals espsecure's byte for byte.
 */
export function createPemSigner(privateKeyPem: string | Buffer): KeySigner {
  const privateKey = loadPrivateKeyPem(privateKeyPem);
  const algorithm = algorithmOfKey(privateKey);
  const publicKey = createPublicKey(privateKey);
  // A key fingerprint identifies the key in logs without revealing anything secret.
  const fingerprint = createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16);
  const description = `pem:${algorithm}:sha256-spki=${fingerprint}`;
  let closed = false;

  let signDigest: (digest: Buffer) => Buffer;
  if (algorithm === 'rsa3072') {
    signDigest = (digest) => signRsaPssDigest(privateKey, digest);
  } else {
    const d = ecPrivateScalar(privateKey);
    signDigest = (digest) => signEcdsaDigestDeterministic(algorithm, d, digest);
  }

  return {
    algorithm,
    publicKey,
    description,
    async sign(digest: Buffer): Promise<Buffer> {
      if (closed) throw new Error(`${description}: signer is closed`);
      assertDigestLength(algorithm, digest);
      return signDigest(digest);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
