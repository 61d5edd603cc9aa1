import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import { parseEspImage } from './esp-image';
import { digestAlgorithmFor } from './keys';
import { paddedImageDigest, sectorPaddingLength, verifyPaddedSignature } from './padded-data';
import { type BlockVerification, trustedKeysOf, verifySectorBlocks } from './sector-verification';
import { verifyRawSignature } from './signature-check';
import { SECTOR_SIZE } from './signature-sector';
import { type ImageDigester, imageDigester } from './signed-image-v2';

export type { BlockVerification } from './sector-verification';

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
  const trusted = trustedKeysOf(options);
  const sectorOffset = sectorOffsetOf(file, options.skipPadding ?? false);
  const signedData = file.subarray(0, sectorOffset);
  const sector = file.subarray(sectorOffset);
  const problems: string[] = [];
  const blocks = verifySectorBlocks(
    sector,
    {
      digestOf: imageDigester(signedData),
      signatureOk: (alg, publicKey, signature) => verifyRawSignature(alg, publicKey, signedData, signature),
    },
    trusted,
    problems,
  );
  const validBlocks = validBlocksOf(blocks, problems);
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

/** Options of verifySectorV2. */
export interface VerifySectorV2Options {
  /** Trusted keys: a block passes only if its embedded key material equals one of these. */
  publicKeys?: KeyObject[];
  /** eFuse key digests (32 bytes; 16 for ESP32-C2, which burns only the first half). */
  expectedKeyDigests?: Buffer[];
  /** Bytes of 0xFF between the data and the sector; default: up to the next multiple of 4096. */
  paddingLength?: number;
  /**
   * Digests of data ‖ padding the caller has already computed from the same bytes, by
   * hash: compared with each block's image digest instead of hashing the data again.
   * Signatures are always checked over the data itself.
   */
  imageDigests?: Partial<Record<'sha256' | 'sha384', Buffer>>;
}

/**
 * Verifies the V2-signed file `data ‖ 0xFF × paddingLength ‖ sector` without putting it
 * together: every block gets the checks verifyV2 makes (image digest, embedded key,
 * trust, signature), hashing the data and the padding as they are. Where the sector
 * sits is the caller's to check (verifyV2 does it for whole files). Never throws for a
 * bad signature; throws ImageNotAligned for a sector that is not 4096 bytes.
 */
export function verifySectorV2(data: Buffer, sector: Buffer, options: VerifySectorV2Options = {}): VerifyV2Report {
  if (sector.length !== SECTOR_SIZE) {
    throw new FleetSignError(ErrorCode.ImageNotAligned, `A signature sector is 4096 bytes, got ${sector.length}`);
  }
  const paddingLength = options.paddingLength ?? sectorPaddingLength(data.length);
  const problems: string[] = [];
  const blocks = verifySectorBlocks(
    sector,
    {
      digestOf: paddedImageDigester(data, paddingLength, options.imageDigests),
      signatureOk: (alg, publicKey, signature) => verifyPaddedSignature(alg, publicKey, data, paddingLength, signature),
    },
    trustedKeysOf(options),
    problems,
  );
  const validBlocks = validBlocksOf(blocks, problems);
  return { valid: validBlocks.length > 0, validBlocks, blocks, signedDataLength: data.length + paddingLength, problems };
}

/** Indexes of the valid blocks; notes in `problems` when there are none. */
function validBlocksOf(blocks: BlockVerification[], problems: string[]): number[] {
  if (blocks.length === 0) problems.push('No valid signature blocks found');
  const validBlocks = blocks.filter((b) => b.valid).map((b) => b.index);
  if (blocks.length > 0 && validBlocks.length === 0) problems.push('No signature block passes every check');
  return validBlocks;
}

/** Digests of data ‖ 0xFF padding, once per hash algorithm (or as given). */
function paddedImageDigester(data: Buffer, paddingLength: number, known: VerifySectorV2Options['imageDigests']): ImageDigester {
  const memo = new Map<string, Buffer>(Object.entries(known ?? {}).filter((entry): entry is [string, Buffer] => entry[1] !== undefined));
  return (alg) => {
    const hash = digestAlgorithmFor(alg);
    let digest = memo.get(hash);
    if (!digest) {
      digest = paddedImageDigest(alg, data, paddingLength);
      memo.set(hash, digest);
    }
    return digest;
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
