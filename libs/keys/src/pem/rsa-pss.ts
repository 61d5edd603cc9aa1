import { constants, createHash, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { RSA_PSS_SALT_LENGTH } from '../key-algorithm';

// node:crypto signs messages, not precomputed digests, so the PSS encoding (RFC 8017
// 9.1.1, EMSA-PSS-ENCODE) is done here and only the raw RSA private operation is
// left to OpenSSL (privateEncrypt with no padding).

const HASH = 'sha256';
const HASH_LENGTH = 32;

function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_LENGTH < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(HASH).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS encoding (SHA-256, MGF1-SHA-256) of `digest` for a modulus of `modulusBits` bits. */
export function emsaPssEncode(digest: Buffer, modulusBits: number, salt: Buffer): Buffer {
  const emBits = modulusBits - 1;
  const emLength = Math.ceil(emBits / 8);
  if (digest.length !== HASH_LENGTH) throw new RangeError('EMSA-PSS over SHA-256 needs a 32-byte digest');
  if (emLength < HASH_LENGTH + salt.length + 2) throw new RangeError('modulus too small for PSS');
  const h = createHash(HASH).update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.alloc(emLength - HASH_LENGTH - 1);
  db[db.length - salt.length - 1] = 0x01;
  salt.copy(db, db.length - salt.length);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0xff >> (8 * emLength - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/**
 * RSA-PSS signature (SHA-256, MGF1-SHA-256, 32-byte random salt) over a precomputed
 * SHA-256 digest; returns the big-endian signature, modulus-sized.
 */
export function signRsaPssDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const modulusBits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (!modulusBits) throw new TypeError('not an RSA private key');
  let em = emsaPssEncode(digest, modulusBits, randomBytes(RSA_PSS_SALT_LENGTH));
  const k = Math.ceil(modulusBits / 8);
  // When modulusBits - 1 is a multiple of 8 the encoding is one byte shorter than the modulus.
  if (em.length < k) em = Buffer.concat([Buffer.alloc(k - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
}
