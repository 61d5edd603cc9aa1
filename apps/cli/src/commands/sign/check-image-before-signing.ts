import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  CHIPS,
  SECTOR_SIZE,
  checkImageForScheme,
  chipByName,
  parseEspImage,
  readSignatureSector,
  type ChipInfo,
  type KeyAlgorithm,
  type SigningScheme,
} from '@fleetsign/secure-boot';

/** Inputs of the opt-in pre-signing check (`--chip` / `--check-image`). */
export interface ImageCheckRequest {
  version: '1' | '2';
  chip?: string;
  algorithms: readonly KeyAlgorithm[];
  appendSignatures: boolean;
}

/**
 * FleetSign extension: makes sure the data is a well-formed ESP app image that the
 * target chip can boot with this scheme and block count, before any key is used.
 * Returns the line to print. When appending, the existing signature sector is not image data.
 */
export function checkImageBeforeSigning(data: Buffer, request: ImageCheckRequest): string {
  const chip = request.chip === undefined ? undefined : requireChip(request.chip);
  const scheme = schemeOf(request.version, request.algorithms);
  const keptBlocks = request.version === '2' && request.appendSignatures ? existingBlocks(data) : 0;
  const imageBytes = keptBlocks > 0 ? data.subarray(0, data.length - SECTOR_SIZE) : data;

  const image = parseEspImage(imageBytes);
  if (chip && image.chip?.name !== chip.name)
    throw new FleetSignError(
      ErrorCode.ChipSchemeMismatch,
      `Image is built for ${image.chip?.name ?? `unknown chip id ${image.chipId}`}, not ${chip.name}`,
      { chipId: image.chipId, expectedChip: chip.name },
    );
  checkImageForScheme(image, {
    scheme,
    blockCount: keptBlocks + request.algorithms.length,
    allowedChips: chip ? [chip.name] : undefined,
  });
  return `Checked ESP image: ${image.chip?.name ?? `chip id ${image.chipId}`}, ${image.imageEnd} bytes, scheme ${scheme}.`;
}

function requireChip(name: string): ChipInfo {
  const chip = chipByName(name);
  if (!chip)
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `Unknown chip "${name}"; known chips: ${CHIPS.map((c) => c.name).join(', ')}`,
    );
  return chip;
}

function schemeOf(version: '1' | '2', algorithms: readonly KeyAlgorithm[]): SigningScheme {
  if (version === '1') return 'sbv1-ecdsa-p256';
  const distinct = [...new Set(algorithms)];
  if (distinct.length !== 1)
    throw new FleetSignError(
      ErrorCode.ChipSchemeMismatch,
      `Keys of different types (${distinct.join(', ')}): a device boots with one signature scheme`,
    );
  return `sbv2-${distinct[0]}`;
}

function existingBlocks(data: Buffer): number {
  if (data.length < SECTOR_SIZE || data.length % SECTOR_SIZE !== 0) return 0;
  return readSignatureSector(data.subarray(data.length - SECTOR_SIZE)).length;
}
