import { createHash, type Hash } from 'node:crypto';
import { schemeOf, sectorPaddingLength, type SigningScheme, updateWithErased } from '@fleetsign/secure-boot';

/**
 * SHA-256 of the image and of files that start with it (padded image, signed file),
 * from one pass over the image bytes: each digest continues a copy of the state the
 * image left, so a large image is hashed once however many digests are asked for.
 */
export class ImageHashes {
  private readonly afterImage: Hash;

  constructor(data: Buffer) {
    this.afterImage = createHash('sha256').update(data);
  }

  /** Hex SHA-256 of the image followed by `paddingLength` bytes of 0xFF, then `after`. */
  sha256(paddingLength = 0, ...after: Buffer[]): string {
    const hash = this.afterImage.copy();
    updateWithErased(hash, paddingLength);
    for (const part of after) hash.update(part);
    return hash.digest('hex');
  }
}

/** What the signature covers. */
export interface ImageDigest {
  /** Bytes the signature covers: the image padded with 0xFF to 4 KiB (V2), or the image as is (V1). */
  signedDataLength: number;
  /** Bytes of 0xFF after the image (V2; 0 for V1 and aligned images). */
  paddingLength: number;
  /** Hex SHA-256 of exactly those bytes. */
  imageSha256: string;
}

/**
 * The SHA-256 of the data a scheme signs: for V2 the image padded with 0xFF to the
 * next 4096 boundary (the sector goes there), for V1 the image as given. Computed
 * without copying the image, from its running hash when one is at hand.
 */
export function digestImage(data: Buffer, scheme: SigningScheme, hashes = new ImageHashes(data)): ImageDigest {
  const paddingLength = schemeOf(scheme).blockKind === 'v1-trailer' ? 0 : sectorPaddingLength(data.length);
  return { signedDataLength: data.length + paddingLength, paddingLength, imageSha256: hashes.sha256(paddingLength) };
}
