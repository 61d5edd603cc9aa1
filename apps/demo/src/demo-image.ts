import { buildEspImage, chipByName, parseEspImage } from '@fleetsign/secure-boot';
import { createHash, randomInt } from 'node:crypto';

/** The demo signs an ESP32-S3 app: the chip boots RSA-3072 Secure Boot V2. */
export const DEMO_CHIP = 'ESP32-S3';
/** Size of the generated app image: a small app, not a multiple of 4 KiB so padding shows. */
export const DEMO_IMAGE_SIZE = 200_000;

/** A generated firmware image and what it says about itself. */
export interface DemoImage {
  bytes: Buffer;
  sha256: string;
  chip: string;
  projectName: string;
  version: string;
}

/** Builds a valid ESP32-S3 app image (header, app description, checksum, SHA-256) with random content. */
export function buildDemoImage(): DemoImage {
  const chip = chipByName(DEMO_CHIP);
  if (!chip) throw new Error(`${DEMO_CHIP} is missing from the chip table`);
  const bytes = buildEspImage({
    chipId: chip.id,
    size: DEMO_IMAGE_SIZE,
    seed: randomInt(1, 2 ** 31),
    projectName: 'fleetsign-demo',
    version: '1.0.0',
  });
  // Parse it back, as the signer will: proves the image is what the summary says.
  const parsed = parseEspImage(bytes);
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    chip: parsed.chip?.name ?? `chip id ${parsed.chipId}`,
    projectName: parsed.appDescription?.projectName ?? '',
    version: parsed.appDescription?.version ?? '',
  };
}
