import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';
import { SIGNATURE_BLOCK_MAGIC, blockFrameProblem } from './block-frame';
import { parseEspImage } from './esp-image';
import { publicKeyDigestV2 } from './keys';
import { decodeSignatureBlock, type SignatureBlockV2 } from './signature-block';
import { verifyRawSignature } from './signature-check';
import { MAX_SIGNATURE_BLOCKS, SECTOR_SIZE, sectorSlot } from './signature-sector';
import { imageDigester, type ImageDigester } from './signed-image-v2';

// Secure Boot V2 verification as the device does it (spec sections 5 and 11): each
// block's embedded key must match a trusted eFuse digest, its digest must match the
// signed data, its signature must verify with the embedded key, and the sector must
// sit where the device reads it. Stricter than espsecure, which trusts R and M'.

/** Options of verifyV2. */
export interface VerifyV2Options {
  /** Trusted keys: a block passes only if its embedded key material equals one of these. */
  publicKeys?: KeyObject[];
  /** eFuse key digests (32 bytes; 16 for ESP32-C2, which burns only the first half). */
  expectedKeyDigests?: Buffer[];
  /** The file was signed with skipPadding: the sector is simply the last 4096 bytes. */
  skipPadding?: boolean;
  /** 'auto' (default): check sector placement when the file is an ESP image; 'require': it must be one; 'off'. */
  imageLayout?: 'auto' | 'require' | 'off';
}

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

/** Where the signature sector sits compared with where the device reads it. */
export interface SectorLayoutCheck {
  espImage: boolean;
  imageEnd?: number;
  expectedSectorOffset?: number;
  sectorOffset: number;
  /** The sector is where the device reads it, and the ESP image's checksum and SHA-256 are intact. */
  ok: boolean;
}

/** The result of verifyV2. */
export interface VerifyV2Report {
  /** True when at least one block is valid and the layout (if checked) is right. */
  valid: boolean;
  validBlocks: number[];
  blocks: BlockVerification[];
  signedDataLength: number;
  layout?: SectorLayoutCheck;
  problems: string[];
}

/**
 * Verifies a V2-signed file the way the device would. Never throws for a bad
 * signature; throws ImageNotAligned for a file too short or not 4096-aligned.
 */
export function verifyV2(file: Buffer, options: VerifyV2Options = {}): VerifyV2Report {
  const trusted = trustedDigests(options);
  const sectorOffset = sectorOffsetOf(file, options.skipPadding ?? false);
  const signedData = file.subarray(0, sectorOffset);
  const sector = file.subarray(sectorOffset);
  const digestOf = imageDigester(signedData);
  const problems: string[] = [];

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
      const block = decodeSignatureBlock(slot, i) as SignatureBlockV2;
      blocks.push(verifyBlock(block, signedData, digestOf, trusted));
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.InvalidSignatureBlock)) throw err;
      problems.push(`${err.message}; ignored`);
    }
  }
  if (blocks.length === 0) problems.push('No valid signature blocks found');
  const validBlocks = blocks.filter((b) => b.valid).map((b) => b.index);
  if (blocks.length > 0 && validBlocks.length === 0) problems.push('No signature block passes every check');

  const layout = checkLayout(file, sectorOffset, options.imageLayout ?? 'auto', problems);
  return {
    valid: validBlocks.length > 0 && (layout?.ok ?? true),
    validBlocks,
    blocks,
    signedDataLength: sectorOffset,
    ...(layout ? { layout } : {}),
    problems,
  };
}

function sectorOffsetOf(file: Buffer, skipPadding: boolean): number {
  if (file.length < SECTOR_SIZE) {
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      `File is ${file.length} bytes; a signed file has at least a 4096-byte signature sector`,
    );
  }
  if (!skipPadding && file.length % SECTOR_SIZE !== 0) {
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      `File length ${file.length} is not a multiple of 4096 (use skipPadding for files signed that way)`,
    );
  }
  return file.length - SECTOR_SIZE;
}

/** The trusted digests (from keys and eFuse values), or undefined when nothing was given. */
function trustedDigests(options: VerifyV2Options): Buffer[] | undefined {
  if (options.publicKeys === undefined && options.expectedKeyDigests === undefined) return undefined;
  for (const digest of options.expectedKeyDigests ?? []) {
    if (digest.length !== 32 && digest.length !== 16) {
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `An expected key digest is 32 bytes (16 for ESP32-C2), got ${digest.length}`,
      );
    }
  }
  return [
    ...(options.publicKeys ?? []).map((key) => publicKeyDigestV2(key)),
    ...(options.expectedKeyDigests ?? []),
  ];
}

function verifyBlock(
  block: SignatureBlockV2,
  signedData: Buffer,
  digestOf: ImageDigester,
  trusted: Buffer[] | undefined,
): BlockVerification {
  const imageDigestOk = block.imageDigest.equals(digestOf(block.algorithm));
  const embeddedKeyConsistent = block.embeddedKeyConsistent ?? true;
  // A 16-byte eFuse value (ESP32-C2) is compared with the first half of the digest.
  const keyTrusted = trusted?.some((d) => block.keyDigest.subarray(0, d.length).equals(d));
  const signatureOk = verifyRawSignature(block.algorithm, block.publicKey, signedData, block.signature);

  const problems: string[] = [];
  const at = `Block ${block.index} (${block.algorithm})`;
  if (!imageDigestOk) problems.push(`${at}: image digest does not match the signed data`);
  if (!embeddedKeyConsistent)
    problems.push(`${at}: embedded RSA key is inconsistent (R or M' do not match n)`);
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

/** Checks that the sector sits at ceil(imageEnd / 4096) * 4096, where the device reads it. */
function checkLayout(
  file: Buffer,
  sectorOffset: number,
  mode: 'auto' | 'require' | 'off',
  problems: string[],
): SectorLayoutCheck | undefined {
  if (mode === 'off') return undefined;
  let image;
  try {
    image = parseEspImage(file, { reportIntegrityErrors: true });
  } catch (err) {
    if (!isFleetSignError(err, ErrorCode.InvalidImage)) throw err;
    if (mode === 'require') problems.push(`Not a usable ESP image: ${err.message}`);
    return { espImage: false, sectorOffset, ok: mode !== 'require' };
  }
  let ok = image.signedDataLength === sectorOffset;
  if (!ok) {
    problems.push(
      `Signature sector is at offset ${sectorOffset} but the device reads it at ${image.signedDataLength} ` +
        `(image ends at ${image.imageEnd})`,
    );
  }
  if (!image.checksumOk) problems.push('ESP image checksum byte is wrong; the device would not load it');
  if (image.hashOk === false) problems.push('ESP image appended SHA-256 does not match the image');
  ok = ok && image.checksumOk && image.hashOk !== false;
  return {
    espImage: true,
    imageEnd: image.imageEnd,
    expectedSectorOffset: image.signedDataLength,
    sectorOffset,
    ok,
  };
}
