import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm, SigningScheme } from './algorithms';
import { type ChipInfo, isChipAllowed } from './chips';
import type { EspImage } from './esp-image';
import { schemeOf } from './schemes';

/** Size of the V2 signature sector an already signed file carries at its end. */
const SIGNATURE_SECTOR_LENGTH = 4096;

/** What a signing request wants to do with a parsed image. */
export interface SigningPolicyCheck {
  scheme: SigningScheme;
  /** Signature blocks the finished V2 sector will hold (kept + new when appending); 1 for V1. */
  blockCount: number;
  /** Chip names the profile may sign for (case-insensitive, dashes optional); all chips when absent. */
  allowedChips?: string[];
  /**
   * The file is already V2-signed and new blocks are appended to its sector: the
   * file may then end with exactly one 4096-byte sector after signedDataLength.
   */
  appendSignatures?: boolean;
}

/** The V2 key algorithm a scheme signs with, or undefined for the V1 scheme. */
export function v2AlgorithmOfScheme(scheme: SigningScheme): KeyAlgorithm | undefined {
  const descriptor = schemeOf(scheme);
  return descriptor.secureBootVersion === 2 ? descriptor.keyAlgorithm : undefined;
}

/**
 * Refuses to sign what the device could not boot: a chip outside the profile or
 * one whose ROM lacks the scheme (ChipSchemeMismatch), more blocks than the chip
 * reads (TooManySignatureBlocks), or data after the image where the device
 * expects the signature (ImageTrailingData).
 */
export function checkImageForScheme(image: EspImage, check: SigningPolicyCheck): void {
  const { scheme, blockCount } = check;
  if (!Number.isInteger(blockCount) || blockCount < 1) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `Signature block count ${blockCount} must be at least 1`,
      {
        blockCount,
      },
    );
  }
  const chip = checkChip(image, check);
  const chipName = chip.name;

  const descriptor = schemeOf(scheme);
  if (descriptor.secureBootVersion === 1) {
    if (!descriptor.bootsOn(chip)) {
      throw mismatch(`${chipName} does not support Secure Boot V1; only ESP32 does`, image, scheme);
    }
    if (blockCount > 1) {
      throw new FleetSignError(
        ErrorCode.TooManySignatureBlocks,
        `Secure Boot V1 carries exactly one signature, ${blockCount} requested`,
        { chip: chipName, scheme, blockCount, max: 1 },
      );
    }
    checkV1Trailing(image);
    return;
  }

  if (chip.v2Algorithms.length === 0) {
    throw mismatch(`${chipName} has no Secure Boot V2 support FleetSign can sign for`, image, scheme);
  }
  if (!descriptor.bootsOn(chip)) {
    throw mismatch(
      `${chipName} cannot boot ${scheme} images; its Secure Boot V2 accepts ${chip.v2Algorithms.join(', ')}`,
      image,
      scheme,
    );
  }
  if (blockCount > chip.maxSignatureBlocks) {
    throw new FleetSignError(
      ErrorCode.TooManySignatureBlocks,
      `${chipName} reads ${chip.maxSignatureBlocks} signature block(s), ${blockCount} requested`,
      { chip: chipName, scheme, blockCount, max: chip.maxSignatureBlocks },
    );
  }
  checkV2Trailing(image, check.appendSignatures === true);
}

function checkChip(image: EspImage, check: SigningPolicyCheck): ChipInfo {
  const chip = image.chip;
  if (chip === undefined) {
    throw mismatch(`Image chip id ${image.chipId} is not a chip FleetSign knows`, image, check.scheme);
  }
  if (check.allowedChips !== undefined) {
    if (!isChipAllowed(chip.name, check.allowedChips)) {
      throw new FleetSignError(
        ErrorCode.ChipSchemeMismatch,
        `Image is for ${chip.name}, which this profile does not allow (allowed: ${check.allowedChips.join(', ') || 'none'})`,
        { chipId: image.chipId, chip: chip.name, allowedChips: check.allowedChips },
      );
    }
  }
  return chip;
}

/** The bootloader reads the V1 trailer right at the image end, so nothing may sit between them. */
function checkV1Trailing(image: EspImage): void {
  if (image.trailingLength > 0) {
    throw new FleetSignError(
      ErrorCode.ImageTrailingData,
      `Image has ${image.trailingLength} byte(s) after its end at offset ${image.imageEnd}; a V1 signature must follow the image directly`,
      { imageEnd: image.imageEnd, trailingLength: image.trailingLength },
    );
  }
}

/**
 * The device looks for the sector at the first 4 KiB boundary after the image end;
 * bytes up to that boundary are signed padding, anything past it would push the sector away.
 */
function checkV2Trailing(image: EspImage, appending: boolean): void {
  const fileLength = image.imageEnd + image.trailingLength;
  if (fileLength <= image.signedDataLength) return;
  if (appending && fileLength === image.signedDataLength + SIGNATURE_SECTOR_LENGTH) return;
  const allowed = appending
    ? `exactly ${image.signedDataLength + SIGNATURE_SECTOR_LENGTH} bytes (image, padding and one signature sector)`
    : `at most ${image.signedDataLength} bytes (image end ${image.imageEnd} rounded up to 4 KiB)`;
  throw new FleetSignError(
    ErrorCode.ImageTrailingData,
    `File is ${fileLength} bytes but may be ${allowed}; the device would not find the signature sector`,
    {
      fileLength,
      imageEnd: image.imageEnd,
      signedDataLength: image.signedDataLength,
      trailingLength: image.trailingLength,
      appendSignatures: appending,
    },
  );
}

function mismatch(message: string, image: EspImage, scheme: SigningScheme): FleetSignError {
  return new FleetSignError(ErrorCode.ChipSchemeMismatch, message, {
    chipId: image.chipId,
    chip: image.chip?.name,
    scheme,
  });
}
