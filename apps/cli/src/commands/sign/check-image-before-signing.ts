import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  CHIPS,
  SECTOR_SIZE,
  checkImageForScheme,
  chipByName,
  parseEspImage,
  readSignatureSector,
  schemeFor,
  type ChipInfo,
  type KeyAlgorithm,
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
  const scheme = schemeFor(request.version === '1' ? 1 : 2, request.algorithms).name;
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

function existingBlocks(data: Buffer): number {
  if (data.length < SECTOR_SIZE || data.length % SECTOR_SIZE !== 0) return 0;
  return readSignatureSector(data.subarray(data.length - SECTOR_SIZE)).length;
}
