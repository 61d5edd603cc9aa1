import type { KeyAlgorithm } from './algorithms';

/** What FleetSign knows about one chip family: the image chip id and the Secure Boot schemes its ROM can boot. */
export interface ChipInfo {
  /** Chip id as written at offset 12 of the ESP image header. */
  id: number;
  /** Display name, e.g. 'ESP32', 'ESP32-S3', 'ESP32-C2'. */
  name: string;
  /** Secure Boot V1 (ECDSA P-256 trailer) is available. */
  secureBootV1: boolean;
  /** Key algorithms a Secure Boot V2 signature block may use on this chip (empty: no V2 support). */
  v2Algorithms: KeyAlgorithm[];
  /** Signature blocks the bootloader accepts in the V2 sector: 1 for ESP32 and ESP32-C2, else 3. */
  maxSignatureBlocks: number;
  /** Bytes of the public-key digest burnt into eFuse: ESP32-C2 keeps only the first 16. */
  keyDigestLength: 32 | 16;
}

const RSA: KeyAlgorithm = 'rsa3072';
const P192: KeyAlgorithm = 'ecdsa-p192';
const P256: KeyAlgorithm = 'ecdsa-p256';
const P384: KeyAlgorithm = 'ecdsa-p384';

/**
 * The V2 algorithm sets are the union of what released ESP-IDF versions can boot
 * (v5.5.x and v6.x): a service signs for devices already in the field, whose
 * bootloader was built with whichever IDF was current, so it must not refuse a
 * scheme that some released bootloader accepts. Hence P-192 stays where IDF v5.5
 * offered it (IDF v6 dropped it from Kconfig), and P-384 is allowed on ESP32-C5 and
 * ESP32-P4 (P-384 needs ESP32-P4 rev >= v3.0; the ROM enforces that, not the image).
 * Revision limits that the image cannot show are the profile owner's concern:
 * ESP32 needs rev >= v3.0 for V2 (older ESP32s boot V1 only), ESP32-C3 rev >= v0.3.
 * Chips whose Secure Boot is not enabled in any released IDF (ESP32-H4, ESP32-E22)
 * get no algorithms, so every scheme is refused for them.
 */
export const CHIPS: readonly ChipInfo[] = Object.freeze([
  chip(0, 'ESP32', [RSA], { secureBootV1: true, maxSignatureBlocks: 1 }),
  chip(2, 'ESP32-S2', [RSA]),
  chip(5, 'ESP32-C3', [RSA]),
  chip(9, 'ESP32-S3', [RSA]),
  chip(12, 'ESP32-C2', [P192, P256], { maxSignatureBlocks: 1, keyDigestLength: 16 }),
  chip(13, 'ESP32-C6', [RSA, P192, P256]),
  chip(16, 'ESP32-H2', [RSA, P192, P256]),
  chip(18, 'ESP32-P4', [RSA, P192, P256, P384]),
  chip(20, 'ESP32-C61', [P192, P256]),
  chip(23, 'ESP32-C5', [RSA, P192, P256, P384]),
  chip(25, 'ESP32-H21', [RSA]),
  chip(28, 'ESP32-H4', []),
  chip(31, 'ESP32-E22', []),
  chip(32, 'ESP32-S31', [RSA]),
]);

/** A frozen table row; most chips boot V2 only, read 3 blocks and burn 32-byte digests. */
function chip(
  id: number,
  name: string,
  v2Algorithms: KeyAlgorithm[],
  overrides: Partial<Pick<ChipInfo, 'secureBootV1' | 'maxSignatureBlocks' | 'keyDigestLength'>> = {},
): ChipInfo {
  return Object.freeze({
    id,
    name,
    secureBootV1: false,
    v2Algorithms: Object.freeze([...v2Algorithms]) as KeyAlgorithm[],
    maxSignatureBlocks: 3,
    keyDigestLength: 32,
    ...overrides,
  });
}

/** Other names chips are sold or documented under. */
const ALIASES: Readonly<Record<string, string>> = { ESP8684: 'ESP32-C2' };

const byId = new Map(CHIPS.map((chip) => [chip.id, chip]));
const byName = new Map(CHIPS.map((chip) => [normalizeChipName(chip.name), chip]));
for (const [alias, name] of Object.entries(ALIASES)) {
  byName.set(normalizeChipName(alias), byName.get(normalizeChipName(name)) as ChipInfo);
}

/** Canonical form for comparing chip names: upper case, letters and digits only ('esp32s3' == 'ESP32-S3'). */
export function normalizeChipName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** True when `chipName` is among `allowedChips` (names compared case- and dash-insensitively). */
export function isChipAllowed(chipName: string, allowedChips: readonly string[]): boolean {
  const wanted = normalizeChipName(chipName);
  return allowedChips.some((name) => normalizeChipName(name) === wanted);
}

/** The chip with this image-header chip id, or undefined when FleetSign does not know it. */
export function chipById(id: number): ChipInfo | undefined {
  return byId.get(id);
}

/** The chip with this name (case-insensitive, dashes optional: 'esp32s3', 'ESP32-S3'), or undefined. */
export function chipByName(name: string): ChipInfo | undefined {
  return byName.get(normalizeChipName(name));
}
