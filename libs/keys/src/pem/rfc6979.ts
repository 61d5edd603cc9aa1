import { createHmac } from 'node:crypto';

// Deterministic ECDSA nonces (RFC 6979 section 3.2): HMAC-DRBG seeded with the private
// key and the message digest, so equal inputs give byte-identical signatures.

/** Big-endian unsigned integer of a buffer. */
export function bufferToBigInt(buf: Buffer): bigint {
  return buf.length === 0 ? 0n : BigInt('0x' + buf.toString('hex'));
}

/** `value` as exactly `length` big-endian bytes. */
export function bigIntToBuffer(value: bigint, length: number): Buffer {
  const hex = value.toString(16).padStart(length * 2, '0');
  if (hex.length > length * 2) throw new RangeError('integer does not fit');
  return Buffer.from(hex, 'hex');
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** RFC 6979 bits2int: the leftmost qlen bits of `bits` as an integer. */
export function bits2int(bits: Buffer, qlen: number): bigint {
  const value = bufferToBigInt(bits);
  const blen = bits.length * 8;
  return blen > qlen ? value >> BigInt(blen - qlen) : value;
}

/**
 * Successive RFC 6979 nonce candidates k in [1, q-1] for private key `x` and digest `h1`;
 * `hash` is the HMAC hash, the same one that produced `h1`.
 */
export function* rfc6979Nonces(q: bigint, x: bigint, h1: Buffer, hash: 'sha256' | 'sha384'): Generator<bigint> {
  const qlen = bitLength(q);
  const rolen = Math.ceil(qlen / 8);
  const hmac = (key: Buffer, ...parts: Buffer[]): Buffer => {
    const mac = createHmac(hash, key);
    for (const part of parts) mac.update(part);
    return mac.digest();
  };
  const hlen = hmac(Buffer.alloc(0)).length;
  const seed = Buffer.concat([bigIntToBuffer(x, rolen), bigIntToBuffer(bits2int(h1, qlen) % q, rolen)]);
  let v: Buffer = Buffer.alloc(hlen, 0x01);
  let k: Buffer = Buffer.alloc(hlen, 0x00);
  k = hmac(k, v, Buffer.from([0x00]), seed);
  v = hmac(k, v);
  k = hmac(k, v, Buffer.from([0x01]), seed);
  v = hmac(k, v);
  for (;;) {
    const t: Buffer[] = [];
    for (let tlen = 0; tlen < qlen; tlen += hlen * 8) {
      v = hmac(k, v);
      t.push(v);
    }
    const candidate = bits2int(Buffer.concat(t), qlen);
    if (candidate >= 1n && candidate < q) yield candidate;
    k = hmac(k, v, Buffer.from([0x00]));
    v = hmac(k, v);
  }
}
