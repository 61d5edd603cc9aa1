import { constants, createECDH, createHash, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { DigestSigner } from '../algorithms';
import { bigIntFromBE, bigIntToBE, bitLength, modInverse } from '../bigint-bytes';
import { requireCurve } from '../curves';
import { sec1PrivateScalar } from '../der';
import { algorithmOfPublicKey, toPublicKey } from '../keys';

// Test-only DigestSigners over node:crypto private keys. node:crypto signs messages,
// not digests, so the digest-level operations are spelled out here: EMSA-PSS
// encoding + raw RSA, and ECDSA with the scalar multiplication done by ECDH.
// Every signature they make is checked by node:crypto verify in the code under test.

const SHA256_LENGTH = 32;

function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * SHA256_LENGTH < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash('sha256').update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32) over a precomputed SHA-256 digest of a 3072-bit key. */
function rsaPssSignDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const emLength = 384;
  const salt = randomBytes(32);
  const h = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLength - salt.length - h.length - 2), Buffer.from([1]), salt]);
  const mask = mgf1Sha256(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] ^= mask[i];
  db[0] &= 0x7f; // emBits = 3071: the top bit of EM is zero
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, em);
}

/** The private scalar d of an EC key, from its SEC1 DER. */
function ecPrivateScalar(privateKey: KeyObject): bigint {
  return bigIntFromBE(sec1PrivateScalar(privateKey.export({ format: 'der', type: 'sec1' })));
}

/** ECDSA over a precomputed digest with a random k; returns r‖s big-endian. */
function ecdsaSignDigest(
  privateKey: KeyObject,
  digest: Buffer,
  opensslName: string,
  order: bigint,
  size: number,
): Buffer {
  const d = ecPrivateScalar(privateKey);
  const orderBits = bitLength(order);
  let z = bigIntFromBE(digest);
  if (digest.length * 8 > orderBits) z >>= BigInt(digest.length * 8 - orderBits);
  for (let attempt = 0; attempt < 16; attempt++) {
    const k = (bigIntFromBE(randomBytes(size + 8)) % (order - 1n)) + 1n;
    const ecdh = createECDH(opensslName);
    ecdh.setPrivateKey(bigIntToBE(k, size));
    const point = ecdh.getPublicKey();
    const r = bigIntFromBE(point.subarray(1, 1 + size)) % order;
    const s = (modInverse(k, order) * (z + r * d)) % order;
    if (r !== 0n && s !== 0n) return Buffer.concat([bigIntToBE(r, size), bigIntToBE(s, size)]);
  }
  throw new Error('could not find a usable k');
}

/** A DigestSigner over a node:crypto private key (RSA-3072 or EC P-192/P-256/P-384). */
export function digestSignerFromPrivateKey(privateKey: KeyObject): DigestSigner {
  const publicKey = toPublicKey(privateKey);
  const algorithm = algorithmOfPublicKey(publicKey);
  return {
    algorithm,
    publicKey,
    sign: async (digest: Buffer) => {
      if (algorithm === 'rsa3072') return rsaPssSignDigest(privateKey, digest);
      const curve = requireCurve(algorithm);
      return ecdsaSignDigest(privateKey, digest, curve.opensslName, curve.order, curve.fieldSize);
    },
  };
}
