import { performance } from 'node:perf_hooks';
import { type DigestSigner, erasedBytes, schemeOf, signSectorV2, signV1Trailer } from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';

/**
 * A signed file, not yet verified against the profile or stored, kept as the parts it
 * is written from: the image itself is never copied.
 */
export interface SignedImage {
  /** The file in write order: the image, 0xFF padding (V2, when any), then `appended`. */
  parts: Buffer[];
  /** Bytes of 0xFF between the image and `appended` (V2; 0 for V1). */
  paddingLength: number;
  /** What signing put after the (padded) image: the V2 signature sector or the 68-byte V1 trailer. */
  appended: Buffer;
  /** Length of the whole file. */
  size: number;
  /** Wall time the keys (HSM, KMS) took to sign, in milliseconds; they sign in parallel. */
  keyMs: number;
}

/** Digests of the padded image already computed (by hash name), so signing and checking do not hash it again. */
export type KnownImageDigests = Partial<Record<'sha256' | 'sha384', Buffer>>;

/**
 * Wraps signers so the span from the first signature started to the last one finished is
 * measured; `onSigned(i)` hears of each signer that returned a signature (key usage counts what the HSM signed).
 */
function measured(signers: readonly DigestSigner[], onSigned?: (index: number) => void): { signers: DigestSigner[]; elapsedMs: () => number } {
  let first: number | undefined;
  let last: number | undefined;
  const wrapped = signers.map(
    (signer, index): DigestSigner => ({
      algorithm: signer.algorithm,
      publicKey: signer.publicKey,
      async sign(digest: Buffer): Promise<Buffer> {
        first = Math.min(first ?? Infinity, performance.now());
        try {
          const signature = await signer.sign(digest);
          onSigned?.(index);
          return signature;
        } finally {
          last = Math.max(last ?? 0, performance.now());
        }
      },
    }),
  );
  return { signers: wrapped, elapsedMs: () => (first === undefined || last === undefined ? 0 : last - first) };
}

/**
 * Signs the image with every key of the profile: Secure Boot V2 (pad to 4 KiB, one
 * block per key, in key order, in one signature sector) or V1 (one P-256 signature
 * appended). The signatures are not checked here: verifySignedParts checks every
 * block of the finished sector before anything is stored. `imageDigests` (of the
 * padded image) spare hashing the image again; `onSigned` hears of each key (by index) that signed.
 */
export async function signImage(
  data: Buffer,
  profile: Pick<OpenProfile, 'scheme' | 'keys'>,
  imageDigests?: KnownImageDigests,
  onSigned?: (keyIndex: number) => void,
): Promise<SignedImage> {
  const { signers, elapsedMs } = measured(
    profile.keys.map((key) => key.signer),
    onSigned && ((i) => onSigned(profile.keys[i].index)),
  );
  if (schemeOf(profile.scheme).blockKind === 'v1-trailer') {
    const trailer = await signV1Trailer(data, signers[0]);
    return { parts: [data, trailer], paddingLength: 0, appended: trailer, size: data.length + trailer.length, keyMs: elapsedMs() };
  }
  const { sector, paddingLength } = await signSectorV2(data, signers, { verifySignatures: false, imageDigests });
  const parts = paddingLength > 0 ? [data, erasedBytes(paddingLength), sector] : [data, sector];
  return { parts, paddingLength, appended: sector, size: data.length + paddingLength + sector.length, keyMs: elapsedMs() };
}

/** The whole signed file in one buffer (a copy of the image; for tools and tests, not the signing path). */
export function signedFileOf(signed: Pick<SignedImage, 'parts' | 'size'>): Buffer {
  return Buffer.concat(signed.parts, signed.size);
}
