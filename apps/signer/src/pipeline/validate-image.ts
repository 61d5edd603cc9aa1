import { checkImageForScheme, type EspImage, parseEspImage } from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';

/**
 * Checks that `data` is an ESP image this profile may sign and the device could boot:
 * a well-formed image (InvalidImage), for a chip that runs the profile's scheme and is
 * allowed by it (ChipSchemeMismatch), that reads as many blocks as the profile has keys
 * (TooManySignatureBlocks), with nothing after the image (ImageTrailingData).
 */
export function validateImage(data: Buffer, profile: Pick<OpenProfile, 'scheme' | 'keys' | 'allowedChips'>): EspImage {
  const image = parseEspImage(data);
  checkImageForScheme(image, {
    scheme: profile.scheme,
    blockCount: profile.keys.length,
    ...(profile.allowedChips ? { allowedChips: [...profile.allowedChips] } : {}),
  });
  return image;
}
