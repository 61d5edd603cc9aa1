import { createPublicKey, type KeyObject } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import type { KeyAlgorithm } from '@fleetsign/secure-boot/algorithms';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { ecAlgorithmOfOid, ecCurveOf, RSA_MODULUS_BITS } from '../key-algorithm';
import { requireCurve } from '@fleetsign/secure-boot/curves';
import { derOctetString, ecSpkiDer } from '@fleetsign/secure-boot/der';
import { readUlong } from './token-slot';

/** Which key on the token: by label, by CKA_ID, or both. */
export interface KeySelector {
  keyLabel?: string;
  /** CKA_ID, hex. */
  keyId?: string;
  /** Label of the public key object when it differs from the private key's. */
  publicKeyLabel?: string;
}

/** A private key found on a token. */
export interface TokenPrivateKey {
  handle: Buffer;
  /** CKA_KEY_TYPE as the token reports it (CKK_RSA or CKK_EC). */
  keyType: number;
  algorithm: KeyAlgorithm;
  /** RSA only: modulus and public exponent, to check the public key object against. */
  modulus?: Buffer;
  publicExponent?: Buffer;
}

/** How a selector reads in messages: "label 'x', id 01". */
export function describeSelector(selector: KeySelector): string {
  const parts: string[] = [];
  if (selector.keyLabel !== undefined) parts.push(`label '${selector.keyLabel}'`);
  if (selector.keyId !== undefined) parts.push(`id ${selector.keyId}`);
  return parts.join(', ');
}

function findObjects(pkcs11: pkcs11js.PKCS11, session: Buffer, template: pkcs11js.Template, max: number): Buffer[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    return pkcs11.C_FindObjects(session, max);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

function identityTemplate(selector: KeySelector): pkcs11js.Template {
  const template: pkcs11js.Template = [];
  if (selector.keyLabel !== undefined) template.push({ type: pkcs11js.CKA_LABEL, value: selector.keyLabel });
  if (selector.keyId !== undefined) template.push({ type: pkcs11js.CKA_ID, value: Buffer.from(selector.keyId, 'hex') });
  return template;
}

function attributes(pkcs11: pkcs11js.PKCS11, session: Buffer, handle: Buffer, types: number[]): Buffer[] {
  const result = pkcs11.C_GetAttributeValue(session, handle, types.map((type) => ({ type })));
  return types.map((type) => {
    const value = result.find((a) => a.type === type)?.value;
    if (!Buffer.isBuffer(value)) throw new FleetSignError(ErrorCode.HsmError, `token did not return attribute 0x${type.toString(16)}`);
    return value;
  });
}

function bitLength(bigEndian: Buffer): number {
  let i = 0;
  while (i < bigEndian.length && bigEndian[i] === 0) i++;
  if (i === bigEndian.length) return 0;
  return (bigEndian.length - i) * 8 - Math.clz32(bigEndian[i]) + 24;
}

function keyTypeName(keyType: number): string {
  const name = Object.entries(pkcs11js).find(([k, v]) => k.startsWith('CKK_') && v === keyType)?.[0];
  return name ?? `key type 0x${keyType.toString(16)}`;
}

/** Reads key type and size of a private key object and names its Secure Boot algorithm. */
function describePrivateKey(pkcs11: pkcs11js.PKCS11, session: Buffer, handle: Buffer, what: string): TokenPrivateKey {
  const [keyTypeRaw] = attributes(pkcs11, session, handle, [pkcs11js.CKA_KEY_TYPE]);
  const keyType = readUlong(keyTypeRaw);
  if (keyType === pkcs11js.CKK_RSA) {
    const [modulus, publicExponent] = attributes(pkcs11, session, handle, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
    const bits = bitLength(modulus);
    if (bits !== RSA_MODULUS_BITS) {
      throw new FleetSignError(ErrorCode.UnsupportedKey, `${what} is RSA-${bits}; Secure Boot V2 needs RSA-3072`, { keyType: 'rsa', modulusBits: bits });
    }
    return { handle, keyType, algorithm: 'rsa3072', modulus, publicExponent };
  }
  if (keyType === pkcs11js.CKK_EC) {
    const [params] = attributes(pkcs11, session, handle, [pkcs11js.CKA_EC_PARAMS]);
    const algorithm = ecAlgorithmOfOid(params);
    if (!algorithm) {
      throw new FleetSignError(ErrorCode.UnsupportedKey, `${what} is on an unsupported curve (EC params ${params.toString('hex')}); use P-192, P-256 or P-384`, {
        keyType: 'ec',
        ecParams: params.toString('hex'),
      });
    }
    return { handle, keyType, algorithm };
  }
  throw new FleetSignError(ErrorCode.UnsupportedKey, `${what} is a ${keyTypeName(keyType)} key; use RSA-3072 or ECDSA P-192/P-256/P-384`, { keyType });
}

/**
 * Finds the one private key (CKO_PRIVATE_KEY) matching the selector and detects its
 * algorithm; KeyNotFound when none matches, InvalidConfig when several do.
 */
export function findPrivateKey(pkcs11: pkcs11js.PKCS11, session: Buffer, selector: KeySelector, tokenLabel: string): TokenPrivateKey {
  const identity = identityTemplate(selector);
  if (identity.length === 0) throw new FleetSignError(ErrorCode.InvalidConfig, 'PKCS#11: name the key by label or id');
  const what = `private key ${describeSelector(selector)} on token '${tokenLabel}'`;
  const found = findObjects(pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, ...identity], 2);
  if (found.length === 0) throw new FleetSignError(ErrorCode.KeyNotFound, `PKCS#11: no ${what}`, { ...selector, tokenLabel });
  if (found.length > 1) throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: several keys match ${what}; name it by label and id`, { ...selector, tokenLabel });
  return describePrivateKey(pkcs11, session, found[0], what);
}

/** Uncompressed point from CKA_EC_POINT: a DER OCTET STRING around it, or (some tokens) the bare point. */
function ecPointOf(value: Buffer, fieldSize: number): Buffer {
  if (value.length === 1 + 2 * fieldSize && value[0] === 0x04) return value;
  const point = derOctetString(value);
  if (!point) throw new RangeError('CKA_EC_POINT is not an OCTET STRING');
  return point;
}

/**
 * The public key of a token key: from the CKO_PUBLIC_KEY object (by publicKeyLabel, or
 * the private key's label/id); an RSA key without one falls back to the private key's
 * modulus and exponent. The result is checked against the private key's algorithm.
 */
export function readPublicKey(pkcs11: pkcs11js.PKCS11, session: Buffer, selector: KeySelector, privateKey: TokenPrivateKey, tokenLabel: string): KeyObject {
  const identity = selector.publicKeyLabel !== undefined ? identityTemplate({ keyLabel: selector.publicKeyLabel }) : identityTemplate(selector);
  const what = `public key ${selector.publicKeyLabel !== undefined ? `label '${selector.publicKeyLabel}'` : describeSelector(selector)} on token '${tokenLabel}'`;
  const found = findObjects(pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, ...identity], 2);
  if (found.length > 1) throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: several objects match ${what}`, { ...selector, tokenLabel });

  if (privateKey.algorithm === 'rsa3072') {
    let [n, e] = [privateKey.modulus!, privateKey.publicExponent!];
    if (found.length === 1) {
      [n, e] = attributes(pkcs11, session, found[0], [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]);
      if (!stripZeros(n).equals(stripZeros(privateKey.modulus!))) {
        throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: ${what} does not belong to the private key`, { ...selector, tokenLabel });
      }
    }
    return createPublicKey({ key: { kty: 'RSA', n: stripZeros(n).toString('base64url'), e: stripZeros(e).toString('base64url') }, format: 'jwk' });
  }

  if (found.length === 0) throw new FleetSignError(ErrorCode.KeyNotFound, `PKCS#11: no ${what}`, { ...selector, tokenLabel });
  const curve = ecCurveOf(privateKey.algorithm);
  const [params, pointValue] = attributes(pkcs11, session, found[0], [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]);
  if (!params.equals(curve.oidDer)) {
    throw new FleetSignError(ErrorCode.InvalidConfig, `PKCS#11: ${what} is not on the private key's curve`, { ...selector, tokenLabel });
  }
  const point = ecPointOf(pointValue, curve.fieldSize);
  return createPublicKey({ key: ecSpkiDer(requireCurve(privateKey.algorithm).oidDer, point), format: 'der', type: 'spki' });
}

function stripZeros(buf: Buffer): Buffer {
  let i = 0;
  while (i < buf.length - 1 && buf[i] === 0) i++;
  return buf.subarray(i);
}
