import { createHash } from 'node:crypto';
import { SECTOR_SIZE, type SigningScheme } from '@fleetsign/secure-boot';

/** What the signature covers. */
export interface ImageDigest {
  /** Bytes the signature covers: the image padded with 0xFF to 4 KiB (V2), or the image as is (V1). */
  signedDataLength: number;
  /** Hex SHA-256 of exactly those bytes. */
  imageSha256: string;
}

/**
 * The SHA-256 of the data a scheme signs: for V2 the image padded with 0xFF to the
 * next 4096 boundary (the sector goes there), for V1 the image as given. Computed
 * without copying the image.
 */
export function digestImage(data: Buffer, scheme: SigningScheme): ImageDigest {
  const hash = createHash('sha256').update(data);
  let signedDataLength = data.length;
  if (!scheme.startsWith('sbv1-') && data.length % SECTOR_SIZE !== 0) {
    signedDataLength = Math.ceil(data.length / SECTOR_SIZE) * SECTOR_SIZE;
    hash.update(Buffer.alloc(signedDataLength - data.length, 0xff));
  }
  return { signedDataLength, imageSha256: hash.digest('hex') };
}
