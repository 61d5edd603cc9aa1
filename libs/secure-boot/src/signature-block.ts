import { createHash, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { BLOCK_VERSION_RSA, SIGNATURE_BLOCK_SIZE, isBlockFramePresent } from './block-frame';
import { curveByAlgorithm } from './curves';
import { decodeEcdsaBlock, encodeEcdsaBlock } from './ecdsa-block';
import { algorithmOfPublicKey, toPublicKey } from './keys';
import { decodeRsaBlock, encodeRsaBlock } from './rsa-block';

// One Secure Boot V2 signature block of any scheme: dispatches to the RSA
// (version 2) or ECDSA (version 3) layout.

/** A decoded V2 signature block. */
export interface SignatureBlockV2 {
  /** Slot in the signature sector, 0..2. */
  index: number;
  algorithm: KeyAlgorithm;
  /** The image digest stored in the block. */
  imageDigest: Buffer;
  /** The public key embedded in the block. */
  publicKey: KeyObject;
  /** SHA-256 over the embedded key material as stored: what the ROM compares with eFuse. */
  keyDigest: Buffer;
  /** Raw big-endian signature, as DigestSigner returns it (RSA 384 bytes, ECDSA r‖s). */
  signature: Buffer;
  /** The 1216 bytes of the block. */
  raw: Buffer;
  /** RSA: the stored R and M' are the ones derived from n. Always true for ECDSA. */
  embeddedKeyConsistent?: boolean;
}

/** What a new block is made of; `signature` is raw big-endian as DigestSigner returns it. */
export interface SignatureBlockInput {
  algorithm: KeyAlgorithm;
  imageDigest: Buffer;
  publicKey: KeyObject;
  signature: Buffer;
}

/** Builds one sealed 1216-byte block (CRC written) for any supported algorithm. */
export function encodeSignatureBlock(input: SignatureBlockInput): Buffer {
  const publicKey = toPublicKey(input.publicKey);
  const keyAlgorithm = algorithmOfPublicKey(publicKey);
  if (keyAlgorithm !== input.algorithm) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `Public key is ${keyAlgorithm} but the block was requested as ${input.algorithm}`,
    );
  }
  const curve = curveByAlgorithm(input.algorithm);
  return curve
    ? encodeEcdsaBlock({ curve, imageDigest: input.imageDigest, publicKey, signature: input.signature })
    : encodeRsaBlock({ imageDigest: input.imageDigest, publicKey, signature: input.signature });
}

/**
 * Decodes a block. Undefined when the magic/version/CRC test fails (no block in
 * that slot); throws InvalidSignatureBlock when the frame is intact but the content
 * cannot be used (unknown curve, key not on the curve, modulus not 3072-bit...).
 */
export function decodeSignatureBlock(raw: Buffer, index: number): SignatureBlockV2 | undefined {
  if (!isBlockFramePresent(raw)) return undefined;
  const block = Buffer.from(raw.subarray(0, SIGNATURE_BLOCK_SIZE));
  let decoded: Omit<SignatureBlockV2, 'index' | 'raw' | 'keyDigest'> & { keyMaterial: Buffer };
  try {
    if (block[1] === BLOCK_VERSION_RSA) {
      const rsa = decodeRsaBlock(block);
      decoded = { ...rsa, algorithm: 'rsa3072', embeddedKeyConsistent: rsa.montgomeryConstantsOk };
    } else {
      const ecdsa = decodeEcdsaBlock(block);
      decoded = { ...ecdsa, algorithm: ecdsa.curve.algorithm, embeddedKeyConsistent: true };
    }
  } catch (err) {
    if (err instanceof FleetSignError) {
      throw new FleetSignError(
        err.code,
        `Signature block ${index}: ${err.message}`,
        { index },
        { cause: err },
      );
    }
    throw err;
  }
  return {
    index,
    algorithm: decoded.algorithm,
    imageDigest: decoded.imageDigest,
    publicKey: decoded.publicKey,
    keyDigest: createHash('sha256').update(decoded.keyMaterial).digest(),
    signature: decoded.signature,
    raw: block,
    embeddedKeyConsistent: decoded.embeddedKeyConsistent,
  };
}
