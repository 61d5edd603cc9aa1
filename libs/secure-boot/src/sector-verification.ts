import { createHash, type KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { BLOCK_VERSION_ECDSA, BLOCK_VERSION_RSA, SIGNATURE_BLOCK_MAGIC, blockFrameProblem } from './block-frame';
import { curveByAlgorithm } from './curves';
import { ecdsaBlockOffsets } from './ecdsa-block';
import { algorithmOfPublicKey, keyMaterialV2, publicKeyDigestV2, toPublicKey } from './keys';
import { RSA_BLOCK_OFFSETS, RSA_MODULUS_BYTES } from './rsa-block';
import { decodeSignatureBlock, type SignatureBlockV2 } from './signature-block';
import { MAX_SIGNATURE_BLOCKS, sectorSlot } from './signature-sector';
import type { ImageDigester } from './signed-image-v2';

// The per-block checks of V2 verification (spec sections 5 and 11), shared by verifyV2
// (a whole file in memory) and verifySectorV2 (data, padding and sector apart).

/** The checks on one signature block. */
export interface BlockVerification {
  index: number;
  algorithm: KeyAlgorithm;
  /** SHA-256 of the embedded key material as stored (what eFuse must hold). */
  keyDigest: Buffer;
  imageDigestOk: boolean;
  /** RSA: the stored R and M' match n. Always true for ECDSA. */
  embeddedKeyConsistent: boolean;
  /** Undefined when no trusted keys or digests were given. */
  keyTrusted: boolean | undefined;
  /** The signature verifies over the signed data with the embedded key. */
  signatureOk: boolean;
  valid: boolean;
  problems: string[];
}

/** The signed data a sector's blocks are checked against, however it is held. */
export interface SignedDataChecks {
  /** The data's image digest for a block algorithm. */
  digestOf: ImageDigester;
  /** True when `signature` (raw, big-endian) verifies over the data with `publicKey`. */
  signatureOk(alg: KeyAlgorithm, publicKey: KeyObject, signature: Buffer): boolean;
}

/** What a block must match to be trusted: eFuse digests, and the trusted keys themselves when known. */
export interface TrustedKeys {
  digests: Buffer[];
  keys: KeyObject[];
}

/** The trusted digests (from keys and eFuse values), or undefined when nothing was given. */
export function trustedKeysOf(options: { publicKeys?: KeyObject[]; expectedKeyDigests?: Buffer[] }): TrustedKeys | undefined {
  if (options.publicKeys === undefined && options.expectedKeyDigests === undefined) return undefined;
  for (const digest of options.expectedKeyDigests ?? []) {
    if (digest.length !== 32 && digest.length !== 16) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `An expected key digest is 32 bytes (16 for ESP32-C2), got ${digest.length}`,
      );
    }
  }
  const keys = (options.publicKeys ?? []).map((key) => toPublicKey(key));
  return { digests: [...keys.map((key) => publicKeyDigestV2(key)), ...(options.expectedKeyDigests ?? [])], keys };
}

/** Where the key material sits in a block of `alg`, and the block's version and hash id bytes. */
function materialPlace(alg: KeyAlgorithm): { version: number; hashId: number; start: number; end: number } {
  const curve = curveByAlgorithm(alg);
  if (!curve) return { version: BLOCK_VERSION_RSA, hashId: 0, start: RSA_BLOCK_OFFSETS.modulus, end: RSA_BLOCK_OFFSETS.signature };
  const o = ecdsaBlockOffsets(curve);
  return { version: BLOCK_VERSION_ECDSA, hashId: curve.hashId, start: o.curveId, end: o.signature };
}

/** The raw big-endian signature of a block of `alg` (stored little-endian). */
function storedSignature(raw: Buffer, alg: KeyAlgorithm): Buffer {
  const curve = curveByAlgorithm(alg);
  if (!curve) return Buffer.from(raw.subarray(RSA_BLOCK_OFFSETS.signature, RSA_BLOCK_OFFSETS.signature + RSA_MODULUS_BYTES)).reverse();
  const o = ecdsaBlockOffsets(curve);
  const size = curve.fieldSize;
  return Buffer.concat([
    Buffer.from(raw.subarray(o.signature, o.signature + size)).reverse(),
    Buffer.from(raw.subarray(o.signature + size, o.signature + 2 * size)).reverse(),
  ]);
}

/**
 * Decodes a block whose embedded key material is byte for byte a trusted key's: the
 * embedded key is then that key (and its RSA constants are the right ones), so no key
 * has to be rebuilt from the block. Undefined when no trusted key matches.
 */
function decodeTrustedBlock(raw: Buffer, index: number, keys: readonly KeyObject[]): SignatureBlockV2 | undefined {
  for (const key of keys) {
    const algorithm = algorithmOfPublicKey(key);
    const place = materialPlace(algorithm);
    if (raw[1] !== place.version || raw[2] !== place.hashId) continue;
    const material = keyMaterialV2(key);
    if (!raw.subarray(place.start, place.end).equals(material)) continue;
    const digestLength = place.hashId === 1 ? 48 : 32;
    return {
      index,
      algorithm,
      imageDigest: Buffer.from(raw.subarray(4, 4 + digestLength)),
      publicKey: key,
      keyDigest: createHash('sha256').update(material).digest(),
      signature: storedSignature(raw, algorithm),
      raw: Buffer.from(raw),
      embeddedKeyConsistent: true,
    };
  }
  return undefined;
}

function verifyBlock(block: SignatureBlockV2, data: SignedDataChecks, trusted: TrustedKeys | undefined): BlockVerification {
  const imageDigestOk = block.imageDigest.equals(data.digestOf(block.algorithm));
  const embeddedKeyConsistent = block.embeddedKeyConsistent ?? true;
  // A 16-byte eFuse value (ESP32-C2) is compared with the first half of the digest.
  const keyTrusted = trusted?.digests.some((d) => block.keyDigest.subarray(0, d.length).equals(d));
  const signatureOk = data.signatureOk(block.algorithm, block.publicKey, block.signature);

  const problems: string[] = [];
  const at = `Block ${block.index} (${block.algorithm})`;
  if (!imageDigestOk) problems.push(`${at}: image digest does not match the signed data`);
  if (!embeddedKeyConsistent) problems.push(`${at}: embedded RSA key is inconsistent (R or M' do not match n)`);
  if (keyTrusted === false) {
    problems.push(`${at}: key digest ${block.keyDigest.toString('hex')} is not a trusted key digest`);
  }
  if (!signatureOk) problems.push(`${at}: signature does not verify with the embedded key`);
  return {
    index: block.index,
    algorithm: block.algorithm,
    keyDigest: block.keyDigest,
    imageDigestOk,
    embeddedKeyConsistent,
    keyTrusted,
    signatureOk,
    valid: problems.length === 0,
    problems,
  };
}

/**
 * Checks every block of a 4096-byte sector against the signed data: image digest,
 * embedded key (consistency, trust) and signature. Slots without a block are skipped;
 * a slot that starts like a block but is damaged, or holds an unusable key, adds a
 * problem to `problems`.
 */
export function verifySectorBlocks(
  sector: Buffer,
  data: SignedDataChecks,
  trusted: TrustedKeys | undefined,
  problems: string[],
): BlockVerification[] {
  const blocks: BlockVerification[] = [];
  for (let i = 0; i < MAX_SIGNATURE_BLOCKS; i++) {
    const slot = sectorSlot(sector, i);
    const frameProblem = blockFrameProblem(slot);
    if (frameProblem) {
      // An erased slot is normal; one that starts like a block is worth reporting.
      if (slot[0] === SIGNATURE_BLOCK_MAGIC) problems.push(`Block ${i} ignored: ${frameProblem}`);
      continue;
    }
    try {
      const block = decodeTrustedBlock(slot, i, trusted?.keys ?? []) ?? (decodeSignatureBlock(slot, i) as SignatureBlockV2);
      blocks.push(verifyBlock(block, data, trusted));
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.InvalidSignatureBlock)) throw err;
      problems.push(`${err.message}; ignored`);
    }
  }
  return blocks;
}
