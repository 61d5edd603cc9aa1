import type { LocalProfile, SoftHsmKeySpec } from '@fleetsign/devstack';
import { CHIPS, type KeyAlgorithm, type SigningScheme } from '@fleetsign/secure-boot';

/** Label of the SoftHSM2 token `fleetsign init` creates. */
export const INSTALL_TOKEN_LABEL = 'fleetsign';

/** A key of the installation's token; its profile is named after the algorithm (installProfile). */
export interface InstallKey {
  key: SoftHsmKeySpec;
  algorithm: KeyAlgorithm;
}

/**
 * The keys `fleetsign init` creates on its token, one signing profile each. Every key
 * the installation needs is listed here and created by the same call (createInstallToken).
 */
export const INSTALL_KEYS: readonly InstallKey[] = [
  { key: { label: 'fw-rsa-3072', id: '01', type: 'rsa:3072' }, algorithm: 'rsa3072' },
  { key: { label: 'fw-ec-p256', id: '02', type: 'EC:prime256v1' }, algorithm: 'ecdsa-p256' },
];

/** Secure Boot V2 scheme of each key algorithm. */
const SCHEME_OF: Readonly<Record<KeyAlgorithm, SigningScheme>> = {
  rsa3072: 'sbv2-rsa3072',
  'ecdsa-p192': 'sbv2-ecdsa-p192',
  'ecdsa-p256': 'sbv2-ecdsa-p256',
  'ecdsa-p384': 'sbv2-ecdsa-p384',
};

/** The V2 scheme a key of `algorithm` signs, and the profile name init gives it. */
export function schemeOfAlgorithm(algorithm: KeyAlgorithm): { scheme: SigningScheme; profile: string } {
  return { scheme: SCHEME_OF[algorithm], profile: algorithm };
}

/** Every chip whose ROM boots Secure Boot V2 images signed with `algorithm`. */
export function chipsBooting(algorithm: KeyAlgorithm): string[] {
  return CHIPS.filter((chip) => chip.v2Algorithms.includes(algorithm)).map((chip) => chip.name);
}

/** The profile of one token key: every chip that boots its scheme is allowed. */
export function installProfile(keyLabel: string, algorithm: KeyAlgorithm, profile?: string): LocalProfile {
  const { scheme, profile: defaultName } = schemeOfAlgorithm(algorithm);
  return {
    name: profile ?? defaultName,
    description: `Secure Boot V2 ${algorithm} key ${keyLabel}`,
    scheme,
    keyLabel,
    allowedChips: chipsBooting(algorithm),
  };
}
