import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { DigestSigner } from './algorithms';
import { algorithmOfPublicKey, rawSignatureLength } from './keys';
import { encodeSignatureBlock } from './signature-block';
import { verifyRawSignature } from './signature-check';
import {
  assembleSignedImage,
  checkNewBlockCount,
  imageDigester,
  prepareSigningInput,
  type SignV2Result,
} from './signed-image-v2';

// Secure Boot V2 signing with keys (spec sections 1 and 6a/6b): pad, hash, sign
// with 1..3 keys, check every signature, write the sector.

/** Options of signV2, named after espsecure's flags. */
export interface SignV2Options {
  /** `--append-signatures`: keep the valid blocks of an existing sector and add the new ones after them. */
  appendSignatures?: boolean;
  /** `--skip-padding`: do not pad to 4096; the sector follows the data directly. */
  skipPadding?: boolean;
}

/**
 * Signs `data` for Secure Boot V2 with one block per signer (in signer order) and
 * returns the complete signed file. Every signature is verified before returning.
 */
export async function signV2(
  data: Buffer,
  signers: readonly DigestSigner[],
  options: SignV2Options = {},
): Promise<SignV2Result> {
  for (const signer of signers) {
    const keyAlgorithm = algorithmOfPublicKey(signer.publicKey);
    if (keyAlgorithm !== signer.algorithm) {
      throw new FleetSignError(
        ErrorCode.UnsupportedKey,
        `Signer claims ${signer.algorithm} but its public key is ${keyAlgorithm}`,
      );
    }
  }
  const input = prepareSigningInput(data, {
    appendSignatures: options.appendSignatures,
    pad: !options.skipPadding,
  });
  checkNewBlockCount(input, signers.length);
  const digestOf = imageDigester(input.signedData);

  // One signer after the other: an HSM session refuses overlapping operations.
  const newBlocks: Buffer[] = [];
  for (const signer of signers) {
    const index = input.keptBlocks.length + newBlocks.length;
    const imageDigest = digestOf(signer.algorithm);
    const signature = await signer.sign(imageDigest);
    if (
      signature.length !== rawSignatureLength(signer.algorithm) ||
      !verifyRawSignature(signer.algorithm, signer.publicKey, input.signedData, signature)
    ) {
      throw new FleetSignError(
        ErrorCode.SignatureVerificationFailed,
        `Signature verification failed for new block ${index} (${signer.algorithm})`,
        { index, algorithm: signer.algorithm },
      );
    }
    newBlocks.push(
      encodeSignatureBlock({
        algorithm: signer.algorithm,
        imageDigest,
        publicKey: signer.publicKey,
        signature,
      }),
    );
  }
  return assembleSignedImage(input, newBlocks, digestOf);
}
