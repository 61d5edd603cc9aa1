import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { DigestSigner } from './algorithms';
import { algorithmOfPublicKey, digestAlgorithmFor, publicKeyDigestV2, rawSignatureLength, toPublicKey } from './keys';
import { paddedImageDigest, sectorPaddingLength, verifyPaddedSignature } from './padded-data';
import { encodeSignatureBlock, type SignatureBlockV2 } from './signature-block';
import { buildSignatureSector } from './signature-sector';
import { checkNewBlockCount } from './signed-image-v2';

// Secure Boot V2 signing that returns only what signing adds: the padding length and
// the 4096-byte signature sector. The signed file is data ‖ 0xFF × paddingLength ‖
// sector; a caller that streams those three parts out never holds a second copy of a
// large image (signV2 returns the assembled file).

/** Options of signSectorV2. */
export interface SignSectorV2Options {
  /** `--skip-padding`: do not pad to 4096; the sector follows the data directly. */
  skipPadding?: boolean;
  /**
   * Check each new signature with the signer's public key before returning (default
   * true). A caller that verifies the finished sector itself (verifySectorV2) may skip it.
   */
  verifySignatures?: boolean;
  /**
   * Digests of data ‖ padding the caller has already computed, by hash (e.g. from a
   * running hash of the image): used instead of hashing the data again. A wrong one
   * makes blocks that fail verification.
   */
  imageDigests?: Partial<Record<'sha256' | 'sha384', Buffer>>;
}

/** What signSectorV2 made. */
export interface SignedSectorV2 {
  /** The 4096-byte signature sector: one block per signer, in signer order, then 0xFF. */
  sector: Buffer;
  /** Bytes of 0xFF between the data and the sector. */
  paddingLength: number;
  /** Length of the signed data (data + padding): the offset of the sector. */
  signedDataLength: number;
  /** For each block (same order): the digest of the signed data with that block's hash. */
  imageDigests: Buffer[];
  /** The blocks in the sector. */
  blocks: SignatureBlockV2[];
}

function checkSigners(signers: readonly DigestSigner[]): void {
  for (const signer of signers) {
    const keyAlgorithm = algorithmOfPublicKey(signer.publicKey);
    if (keyAlgorithm !== signer.algorithm) {
      throw new FleetSignError(ErrorCode.UnsupportedKey, `Signer claims ${signer.algorithm} but its public key is ${keyAlgorithm}`);
    }
  }
}

/**
 * Signs `data` for Secure Boot V2 with one block per signer (in signer order), hashing
 * the data and its 0xFF padding as they are, and returns the signature sector. The file
 * it makes, data ‖ padding ‖ sector, is byte for byte what signV2 returns for the same
 * signatures.
 */
export async function signSectorV2(
  data: Buffer,
  signers: readonly DigestSigner[],
  options: SignSectorV2Options = {},
): Promise<SignedSectorV2> {
  checkSigners(signers);
  if (data.length === 0) throw new FleetSignError(ErrorCode.InvalidImage, 'Nothing to sign: the image is empty');
  checkNewBlockCount({ signedData: data, keptBlocks: [] }, signers.length);
  const paddingLength = options.skipPadding ? 0 : sectorPaddingLength(data.length);
  const digests = new Map<string, Buffer>(Object.entries(options.imageDigests ?? {}).filter((entry): entry is [string, Buffer] => entry[1] !== undefined));

  // One signer after the other: an HSM session refuses overlapping operations.
  const blocks: SignatureBlockV2[] = [];
  for (const [index, signer] of signers.entries()) {
    const hash = digestAlgorithmFor(signer.algorithm);
    let imageDigest = digests.get(hash);
    if (!imageDigest) digests.set(hash, (imageDigest = paddedImageDigest(signer.algorithm, data, paddingLength)));
    const signature = await signer.sign(imageDigest);
    const verified =
      signature.length === rawSignatureLength(signer.algorithm) &&
      (options.verifySignatures === false || verifyPaddedSignature(signer.algorithm, signer.publicKey, data, paddingLength, signature));
    if (!verified) {
      throw new FleetSignError(
        ErrorCode.SignatureVerificationFailed,
        `Signature verification failed for new block ${index} (${signer.algorithm})`,
        { index, algorithm: signer.algorithm },
      );
    }
    const publicKey = toPublicKey(signer.publicKey);
    const raw = encodeSignatureBlock({ algorithm: signer.algorithm, imageDigest, publicKey, signature });
    blocks.push({
      index,
      algorithm: signer.algorithm,
      imageDigest,
      publicKey,
      keyDigest: publicKeyDigestV2(publicKey),
      signature: Buffer.from(signature),
      raw,
      // The block embeds key material derived from the key itself.
      embeddedKeyConsistent: true,
    });
  }
  return {
    sector: buildSignatureSector(blocks.map((block) => block.raw)),
    paddingLength,
    signedDataLength: data.length + paddingLength,
    imageDigests: blocks.map((block) => block.imageDigest),
    blocks,
  };
}
