import type { KeyObject } from 'node:crypto';

// Encoding a key for a V2 block costs a key export (and for RSA two 3072-bit modular
// computations); a signer encodes the same few keys for every image. KeyObjects are
// immutable, so the encoding is kept per KeyObject (and per variant, e.g. curve id)
// for as long as the key object lives.

const cache = new WeakMap<KeyObject, Map<string, Buffer>>();

/**
 * The encoding of `key` that `compute` makes, computed once per key object and
 * variant. Callers get their own copy, so changing it never alters the cached bytes.
 */
export function cachedKeyEncoding(key: KeyObject, variant: string, compute: () => Buffer): Buffer {
  let entries = cache.get(key);
  if (!entries) cache.set(key, (entries = new Map()));
  let encoded = entries.get(variant);
  if (!encoded) {
    encoded = compute();
    entries.set(variant, Buffer.from(encoded));
  }
  return Buffer.from(encoded);
}
