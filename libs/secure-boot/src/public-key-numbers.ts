import { createPublicKey, ECDH, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { bigIntFromBE, bigIntToBE } from './bigint-bytes';
import type { EcdsaCurve } from './curves';
import { DER_BIT_STRING, ecSpkiDer, readDerElement } from './der';

// The numbers inside public keys (RSA n and e, EC point X and Y) and the way back
// to a node:crypto KeyObject. JWK cannot carry P-192, so EC keys go through DER.

/** RSA modulus and public exponent of an RSA KeyObject. */
export function rsaPublicNumbers(key: KeyObject): { n: bigint; e: bigint } {
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'Key is not an RSA key');
  }
  return {
    n: bigIntFromBE(Buffer.from(jwk.n, 'base64url')),
    e: bigIntFromBE(Buffer.from(jwk.e, 'base64url')),
  };
}

/** An RSA public KeyObject from modulus and exponent. */
export function rsaPublicKeyFromNumbers(n: bigint, e: bigint): KeyObject {
  const toB64 = (v: bigint): string => {
    const hex = v.toString(16);
    return Buffer.from(hex.padStart(hex.length + (hex.length % 2), '0'), 'hex').toString('base64url');
  };
  return createPublicKey({ key: { kty: 'RSA', n: toB64(n), e: toB64(e) }, format: 'jwk' });
}

/** The affine point of an EC public key: X and Y big-endian, each `curve.fieldSize` bytes. */
export function ecPublicPoint(key: KeyObject, curve: EcdsaCurve): { x: Buffer; y: Buffer } {
  const spki = key.export({ format: 'der', type: 'spki' });
  const outer = readDerElement(spki, 0);
  const algorithm = outer && readDerElement(outer.content, 0);
  const bits = outer && algorithm && readDerElement(outer.content, algorithm.end);
  if (!bits || bits.tag !== DER_BIT_STRING || bits.content[0] !== 0) {
    throw new FleetSignError(ErrorCode.UnsupportedKey, 'EC public key has an unexpected encoding');
  }
  let point: Buffer = bits.content.subarray(1);
  if (point[0] !== 0x04) {
    // Compressed or hybrid form: let OpenSSL recover the full point.
    point = ECDH.convertKey(point, curve.opensslName, undefined, undefined, 'uncompressed') as Buffer;
  }
  const size = curve.fieldSize;
  if (point.length !== 1 + 2 * size) {
    throw new FleetSignError(ErrorCode.UnsupportedKey, `EC public key is not on ${curve.opensslName}`);
  }
  return { x: Buffer.from(point.subarray(1, 1 + size)), y: Buffer.from(point.subarray(1 + size)) };
}

/** An EC public KeyObject from big-endian X and Y; throws when the point is not on the curve. */
export function ecPublicKeyFromPoint(curve: EcdsaCurve, x: Buffer, y: Buffer): KeyObject {
  const size = curve.fieldSize;
  const point = Buffer.concat([
    Buffer.from([0x04]),
    bigIntToBE(bigIntFromBE(x), size),
    bigIntToBE(bigIntFromBE(y), size),
  ]);
  return createPublicKey({ key: ecSpkiDer(curve.oidDer, point), format: 'der', type: 'spki' });
}
