import { performance } from 'node:perf_hooks';
import { type DigestSigner, signV1, signV2 } from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';

/** A signed file, not yet verified against the profile or stored. */
export interface SignedImage {
  /** The complete signed file: V2 signed data + signature sector, or V1 image + 68-byte trailer. */
  image: Buffer;
  /** Wall time the keys (HSM, KMS) took to sign, in milliseconds; they sign in parallel. */
  keyMs: number;
}

/** Wraps signers so the span from the first signature started to the last one finished is measured. */
function measured(signers: readonly DigestSigner[]): { signers: DigestSigner[]; elapsedMs: () => number } {
  let first: number | undefined;
  let last: number | undefined;
  const wrapped = signers.map(
    (signer): DigestSigner => ({
      algorithm: signer.algorithm,
      publicKey: signer.publicKey,
      async sign(digest: Buffer): Promise<Buffer> {
        first = Math.min(first ?? Infinity, performance.now());
        try {
          return await signer.sign(digest);
        } finally {
          last = Math.max(last ?? 0, performance.now());
        }
      },
    }),
  );
  return { signers: wrapped, elapsedMs: () => (first === undefined || last === undefined ? 0 : last - first) };
}

/**
 * Signs the image with every key of the profile and assembles the signed file:
 * Secure Boot V2 (pad to 4 KiB, one block per key, in key order) or V1 (one P-256
 * signature appended). The secure-boot code checks each new signature on the way.
 */
export async function signImage(data: Buffer, profile: Pick<OpenProfile, 'scheme' | 'keys'>): Promise<SignedImage> {
  const { signers, elapsedMs } = measured(profile.keys.map((key) => key.signer));
  const image = profile.scheme === 'sbv1-ecdsa-p256' ? await signV1(data, signers[0]) : (await signV2(data, signers)).image;
  return { image, keyMs: elapsedMs() };
}
