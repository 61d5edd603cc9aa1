import { createHash, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { DigestSigner } from './algorithms';
import { requireCurve } from './curves';
import { algorithmOfPublicKey, toPublicKey } from './keys';
import { ecPublicKeyFromPoint, ecPublicPoint } from './public-key-numbers';
import { verifyRawSignature } from './signature-check';

// Secure Boot V1 app signatures (spec section 8, ESP32 before rev 3.0): ECDSA
// P-256 over SHA-256 of the file as given, appended as 00000000 ‖ r ‖ s (big-endian).

/** Bytes a V1 signature adds: version word (4), r (32), s (32). */
export const V1_SIGNATURE_LENGTH = 68;
const V1_VERSION_LENGTH = 4;
const P256 = requireCurve('ecdsa-p256');

function requireP256(key: KeyObject): KeyObject {
  const publicKey = toPublicKey(key);
  if (algorithmOfPublicKey(publicKey) !== 'ecdsa-p256') {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'Secure Boot V1 needs an ECDSA P-256 key');
  }
  return publicKey;
}

function withTrailer(data: Buffer, rawSignature: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc(V1_VERSION_LENGTH), rawSignature]);
}

/** Signs `data` for Secure Boot V1 and returns data ‖ 00000000 ‖ r ‖ s; the signer must be ECDSA P-256. */
export async function signV1(data: Buffer, signer: DigestSigner): Promise<Buffer> {
  return Buffer.concat([data, await signV1Trailer(data, signer)]);
}

/** Signs `data` for Secure Boot V1 and returns only the 68 bytes appended to it: 00000000 ‖ r ‖ s. */
export async function signV1Trailer(data: Buffer, signer: DigestSigner): Promise<Buffer> {
  if (signer.algorithm !== 'ecdsa-p256') {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `Secure Boot V1 needs an ECDSA P-256 key, not ${signer.algorithm}`,
    );
  }
  const publicKey = requireP256(signer.publicKey);
  const signature = await signer.sign(createHash('sha256').update(data).digest());
  if (
    signature.length !== 2 * P256.fieldSize ||
    !verifyRawSignature('ecdsa-p256', publicKey, data, signature)
  ) {
    throw new FleetSignError(ErrorCode.SignatureVerificationFailed, 'Signature verification failed (V1)');
  }
  return Buffer.concat([Buffer.alloc(V1_VERSION_LENGTH), signature]);
}

/** Appends a pre-calculated V1 signature (64 bytes r‖s big-endian) after checking it. */
export function attachSignatureV1(data: Buffer, publicKey: KeyObject, rawSignature: Buffer): Buffer {
  const key = requireP256(publicKey);
  if (rawSignature.length !== 2 * P256.fieldSize) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `A V1 signature is 64 raw bytes r‖s, got ${rawSignature.length} bytes`,
    );
  }
  if (!verifyRawSignature('ecdsa-p256', key, data, rawSignature)) {
    throw new FleetSignError(ErrorCode.SignatureVerificationFailed, 'Signature verification failed (V1)');
  }
  return withTrailer(data, rawSignature);
}

/** True when the last 68 bytes of `file` are a valid V1 signature of the rest with `publicKey`. */
export function verifyV1(file: Buffer, publicKey: KeyObject): boolean {
  if (file.length < V1_SIGNATURE_LENGTH) {
    requireP256(publicKey);
    return false;
  }
  const dataLength = file.length - V1_SIGNATURE_LENGTH;
  return verifyV1Trailer(file.subarray(0, dataLength), file.subarray(dataLength), publicKey);
}

/** True when `trailer` (68 bytes: 00000000 ‖ r ‖ s) is a valid V1 signature of `data` with `publicKey`. */
export function verifyV1Trailer(data: Buffer, trailer: Buffer, publicKey: KeyObject): boolean {
  const key = requireP256(publicKey);
  if (trailer.length !== V1_SIGNATURE_LENGTH || trailer.readUInt32LE(0) !== 0) return false;
  return verifyRawSignature('ecdsa-p256', key, data, trailer.subarray(V1_VERSION_LENGTH));
}

/** The 64-byte X‖Y big-endian form of a P-256 public key (espsecure extract-public-key --version 1). */
export function publicKeyToV1Raw(key: KeyObject): Buffer {
  const { x, y } = ecPublicPoint(requireP256(key), P256);
  return Buffer.concat([x, y]);
}

/** A P-256 public key from its 64-byte X‖Y big-endian form. */
export function publicKeyFromV1Raw(raw: Buffer): KeyObject {
  if (raw.length !== 2 * P256.fieldSize) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `A V1 raw public key is 64 bytes X‖Y, got ${raw.length}`,
    );
  }
  try {
    return ecPublicKeyFromPoint(P256, raw.subarray(0, 32), raw.subarray(32));
  } catch (err) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      'V1 raw public key is not a point on P-256',
      undefined,
      {
        cause: err,
      },
    );
  }
}
