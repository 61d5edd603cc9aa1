import type { FleetSignConfig } from '@fleetsign/config';
import { findProfile } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { chipById, isChipAllowed } from '@fleetsign/secure-boot/chips';

/** A source whose image chip the gateway read at upload (see ImageHeaderPeek). */
export interface SourceChip {
  /** Where the source appears in the request body, e.g. `source` or `items[3].source`. */
  path: string;
  key: string;
  chipId: number;
}

/** Most refused sources listed in one answer. */
const MAX_LISTED = 100;

/**
 * Refuses (422 CHIP_NOT_ALLOWED) sources whose image header names a known chip outside
 * the profile's allowed chips. Sources whose chip is unknown (presigned S3 uploads the
 * gateway never read, unknown chip ids) pass: the signer validates every image anyway.
 */
export function checkSourceChips(fleet: FleetSignConfig, profileName: string, sources: readonly SourceChip[]): void {
  const allowed = findProfile(fleet, profileName)?.allowedChips;
  if (!allowed) return;
  const refused = sources.flatMap((source) => {
    const chip = chipById(source.chipId);
    return chip && !isChipAllowed(chip.name, allowed) ? [{ path: source.path, key: source.key, chip: chip.name }] : [];
  });
  if (refused.length === 0) return;
  const first = refused[0];
  const subject = refused.length === 1 ? `Image "${first.key}" is for ${first.chip}` : `${refused.length} images (first "${first.key}") are for chips`;
  throw new FleetSignError(
    ErrorCode.ChipNotAllowed,
    `${subject}, which profile "${profileName}" does not allow (allowed: ${allowed.join(', ') || 'none'})`,
    { profile: profileName, allowedChips: allowed, refused: refused.slice(0, MAX_LISTED), refusedCount: refused.length },
  );
}
