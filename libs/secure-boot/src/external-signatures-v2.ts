import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { derEcdsaToRaw } from './ecdsa-codec';
import { algorithmOfPublicKey, ecdsaFieldSize, toPublicKey } from './keys';
import { RSA_MODULUS_BYTES } from './rsa-block';
import { encodeSignatureBlock } from './signature-block';
import { verifyRawSignature } from './signature-check';
import { SECTOR_SIZE } from './signature-sector';
import {
  assembleSignedImage,
  checkNewBlockCount,
  imageDigester,
  prepareSigningInput,
  type SignV2Result,
} from './signed-image-v2';

// Pre-calculated signatures (spec section 6c): signatures made elsewhere over the
// exact bytes given, turned into blocks. Never pads.

/** A signature made outside FleetSign, paired with its public key. */
export interface ExternalSignatureV2 {
  /** Public key (a private key is accepted; only its public half is used). */
  publicKey: KeyObject;
  /** RSA: big-endian PSS signature, 384 bytes or shorter when leading zero bytes were dropped. ECDSA: DER SEQUENCE{r, s} (openssl dgst -sign output). */
  signature: Buffer;
}

/** Options of attachSignaturesV2. */
export interface AttachSignaturesV2Options {
  /** Keep the valid blocks of the existing last sector and add these after them. */
  appendSignatures?: boolean;
}

/**
 * Builds the signature sector from external signatures over `data` (length a
 * multiple of 4096) and returns the signed file. Each signature is verified first.
 */
export function attachSignaturesV2(
  data: Buffer,
  signatures: readonly ExternalSignatureV2[],
  options: AttachSignaturesV2Options = {},
): SignV2Result {
  if (data.length % SECTOR_SIZE !== 0) {
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      `Data length ${data.length} is not a multiple of 4096; pre-calculated signatures need padded input`,
    );
  }
  const input = prepareSigningInput(data, { appendSignatures: options.appendSignatures, pad: false });
  checkNewBlockCount(input, signatures.length);
  const digestOf = imageDigester(input.signedData);

  const newBlocks = signatures.map((external, i) => {
    const index = input.keptBlocks.length + i;
    const publicKey = toPublicKey(external.publicKey);
    const algorithm = algorithmOfPublicKey(publicKey);
    const raw =
      algorithm === 'rsa3072'
        ? rsaSignatureToModulusLength(external.signature)
        : derEcdsaToRaw(external.signature, ecdsaFieldSize(algorithm));
    if (!verifyRawSignature(algorithm, publicKey, input.signedData, raw)) {
      throw new FleetSignError(
        ErrorCode.SignatureVerificationFailed,
        `Signature verification failed for block ${index} (${algorithm})`,
        { index, algorithm },
      );
    }
    return encodeSignatureBlock({ algorithm, imageDigest: digestOf(algorithm), publicKey, signature: raw });
  });
  return assembleSignedImage(input, newBlocks, digestOf);
}

/**
 * An RSA signature is an integer below n; some HSM and KMS front-ends return it without
 * its leading zero bytes (383 bytes one time in 256). Like espsecure, restore the
 * 384-byte form by left-padding with zeros; the signature is verified right after.
 */
function rsaSignatureToModulusLength(signature: Buffer): Buffer {
  if (signature.length === 0 || signature.length > RSA_MODULUS_BYTES) {
    throw new FleetSignError(
      ErrorCode.SignatureVerificationFailed,
      `RSA-3072 signature must be at most ${RSA_MODULUS_BYTES} bytes, got ${signature.length}`,
    );
  }
  return Buffer.concat([Buffer.alloc(RSA_MODULUS_BYTES - signature.length), signature]);
}
