import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { BLOCK_BODY_OFFSET, BLOCK_VERSION_ECDSA, newBlockFrame, sealBlockFrame } from './block-frame';
import { curveById, type EcdsaCurve } from './curves';
import { cachedKeyEncoding } from './key-material-cache';
import { ecPublicKeyFromPoint, ecPublicPoint } from './public-key-numbers';

// The ECDSA signature block, version 0x03 (spec section 4). P-192 and P-256 use a
// 32-byte SHA-256 digest; P-384 a 48-byte SHA-384 digest, which shifts every later
// field by 16 bytes.

/** Byte offsets inside an ECDSA block for one curve. */
export interface EcdsaBlockOffsets {
  imageDigest: number;
  digestLength: number;
  curveId: number;
  point: number;
  signature: number;
  /** First reserved (zero) byte after the signature field. */
  end: number;
}

/** Digest length for a hash id byte, or undefined for an unknown id. */
function digestLengthOfHashId(hashId: number): number | undefined {
  return hashId === 0 ? 32 : hashId === 1 ? 48 : undefined;
}

/** Where each field of an ECDSA block sits for `curve` (36/37/101 for P-192/P-256, 52/53/149 for P-384). */
export function ecdsaBlockOffsets(curve: EcdsaCurve): EcdsaBlockOffsets {
  return offsetsFor(curve.hashId === 1 ? 48 : 32, curve.blockFieldSize);
}

function offsetsFor(digestLength: number, fieldSize: number): EcdsaBlockOffsets {
  const curveId = BLOCK_BODY_OFFSET + digestLength;
  const point = curveId + 1;
  const signature = point + fieldSize;
  return {
    imageDigest: BLOCK_BODY_OFFSET,
    digestLength,
    curveId,
    point,
    signature,
    end: signature + fieldSize,
  };
}

/** Reverses each of the two `fieldSize` halves of `pair` into a zero-filled field of `fieldBytes`. */
function pairToLEField(pair: Buffer, fieldSize: number, fieldBytes: number): Buffer {
  const field = Buffer.alloc(fieldBytes);
  Buffer.from(pair.subarray(0, fieldSize)).reverse().copy(field, 0);
  Buffer.from(pair.subarray(fieldSize, 2 * fieldSize))
    .reverse()
    .copy(field, fieldSize);
  return field;
}

/** Reads two little-endian `fieldSize` numbers from a block field and returns them big-endian, concatenated. */
function leFieldToPair(field: Buffer, fieldSize: number): Buffer {
  return Buffer.concat([
    Buffer.from(field.subarray(0, fieldSize)).reverse(),
    Buffer.from(field.subarray(fieldSize, 2 * fieldSize)).reverse(),
  ]);
}

/** The bytes curve id ‖ X(LE) ‖ Y(LE) (zero-filled to 64 for P-192/P-256), hashed for the eFuse digest. */
export function encodeEcdsaKeyMaterial(publicKey: KeyObject, curve: EcdsaCurve): Buffer {
  return cachedKeyEncoding(publicKey, `ecdsa:${curve.curveId}`, () => {
    const { x, y } = ecPublicPoint(publicKey, curve);
    return Buffer.concat([
      Buffer.from([curve.curveId]),
      pairToLEField(Buffer.concat([x, y]), curve.fieldSize, curve.blockFieldSize),
    ]);
  });
}

/** Builds a sealed ECDSA block; `signature` is raw r‖s big-endian, each `curve.fieldSize` bytes. */
export function encodeEcdsaBlock(input: {
  curve: EcdsaCurve;
  imageDigest: Buffer;
  publicKey: KeyObject;
  signature: Buffer;
}): Buffer {
  const { curve } = input;
  const o = ecdsaBlockOffsets(curve);
  if (input.imageDigest.length !== o.digestLength) {
    throw new FleetSignError(
      ErrorCode.InvalidDigest,
      `${curve.algorithm} blocks carry a ${o.digestLength}-byte ${curve.digest} image digest`,
    );
  }
  if (input.signature.length !== 2 * curve.fieldSize) {
    throw new FleetSignError(
      ErrorCode.SignatureVerificationFailed,
      `${curve.algorithm} raw signature must be ${2 * curve.fieldSize} bytes, got ${input.signature.length}`,
    );
  }
  const block = newBlockFrame(BLOCK_VERSION_ECDSA, curve.hashId);
  input.imageDigest.copy(block, o.imageDigest);
  encodeEcdsaKeyMaterial(input.publicKey, curve).copy(block, o.curveId);
  pairToLEField(input.signature, curve.fieldSize, curve.blockFieldSize).copy(block, o.signature);
  return sealBlockFrame(block);
}

/** What an ECDSA block holds. */
export interface DecodedEcdsaBlock {
  curve: EcdsaCurve;
  imageDigest: Buffer;
  publicKey: KeyObject;
  /** Curve id and point field exactly as stored (what the ROM hashes for the eFuse digest). */
  keyMaterial: Buffer;
  /** Raw r‖s big-endian, each `curve.fieldSize` bytes. */
  signature: Buffer;
}

/** Reads an ECDSA block; throws InvalidSignatureBlock for an unknown hash/curve id or a point off the curve. */
export function decodeEcdsaBlock(raw: Buffer): DecodedEcdsaBlock {
  const digestLength = digestLengthOfHashId(raw[2]);
  if (digestLength === undefined) {
    throw new FleetSignError(ErrorCode.InvalidSignatureBlock, `ECDSA block has unknown hash id ${raw[2]}`);
  }
  const curveIdByte = raw[BLOCK_BODY_OFFSET + digestLength];
  const curve = curveById(curveIdByte);
  if (!curve || (curve.hashId === 1 ? 48 : 32) !== digestLength) {
    throw new FleetSignError(
      ErrorCode.InvalidSignatureBlock,
      `ECDSA block has unsupported curve id ${curveIdByte} for hash id ${raw[2]}`,
    );
  }
  const o = ecdsaBlockOffsets(curve);
  const point = leFieldToPair(raw.subarray(o.point, o.signature), curve.fieldSize);
  let publicKey: KeyObject;
  try {
    publicKey = ecPublicKeyFromPoint(
      curve,
      point.subarray(0, curve.fieldSize),
      point.subarray(curve.fieldSize),
    );
  } catch (err) {
    throw new FleetSignError(
      ErrorCode.InvalidSignatureBlock,
      `ECDSA block public key is not a point on ${curve.opensslName}`,
      undefined,
      { cause: err },
    );
  }
  return {
    curve,
    imageDigest: Buffer.from(raw.subarray(o.imageDigest, o.imageDigest + digestLength)),
    publicKey,
    keyMaterial: Buffer.from(raw.subarray(o.curveId, o.signature)),
    signature: leFieldToPair(raw.subarray(o.signature, o.end), curve.fieldSize),
  };
}
