import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm, SigningScheme } from './algorithms';
import { CHIPS, type ChipInfo } from './chips';
import { MAX_SIGNATURE_BLOCKS } from './signature-sector';

// One descriptor per signing scheme: the one place that knows what a scheme name
// means (Secure Boot version, key type, hash, what is appended, which chips boot it).
// Code outside this library asks the descriptor instead of comparing scheme names.

/** What a scheme appends to the image. */
export type SchemeBlockKind =
  /** Secure Boot V1: a 68-byte trailer (version word, r, s big-endian) right after the image. */
  | 'v1-trailer'
  /** Secure Boot V2: a 4096-byte sector of RSA-3072 blocks (version 0x02) at the next 4 KiB boundary. */
  | 'v2-rsa-block'
  /** Secure Boot V2: a 4096-byte sector of ECDSA blocks (version 0x03) at the next 4 KiB boundary. */
  | 'v2-ecdsa-block';

/** Everything FleetSign needs to know about one signing scheme. */
export interface SchemeDescriptor {
  readonly name: SigningScheme;
  readonly secureBootVersion: 1 | 2;
  /** The key type (and so the curve) every key of the scheme must have. */
  readonly keyAlgorithm: KeyAlgorithm;
  /** The image digest the keys sign. */
  readonly hash: 'sha256' | 'sha384';
  readonly blockKind: SchemeBlockKind;
  /** Keys (signatures) one signed image may carry: 1 for V1, up to 3 blocks for V2. */
  readonly maxKeys: number;
  /** Whether a chip's ROM can boot images of this scheme. */
  bootsOn(chip: ChipInfo): boolean;
  /** The chips that boot the scheme, in CHIPS order. */
  readonly chips: readonly ChipInfo[];
}

function v2Scheme(name: SigningScheme, keyAlgorithm: KeyAlgorithm): SchemeDescriptor {
  const bootsOn = (chip: ChipInfo) => chip.v2Algorithms.includes(keyAlgorithm);
  return Object.freeze({
    name,
    secureBootVersion: 2 as const,
    keyAlgorithm,
    hash: keyAlgorithm === 'ecdsa-p384' ? ('sha384' as const) : ('sha256' as const),
    blockKind: keyAlgorithm === 'rsa3072' ? ('v2-rsa-block' as const) : ('v2-ecdsa-block' as const),
    maxKeys: MAX_SIGNATURE_BLOCKS,
    bootsOn,
    chips: Object.freeze(CHIPS.filter(bootsOn)),
  });
}

const V1_BOOTS_ON = (chip: ChipInfo) => chip.secureBootV1;

/** The descriptor of every scheme, by name. */
export const SCHEMES: Readonly<Record<SigningScheme, SchemeDescriptor>> = Object.freeze({
  'sbv2-rsa3072': v2Scheme('sbv2-rsa3072', 'rsa3072'),
  'sbv2-ecdsa-p192': v2Scheme('sbv2-ecdsa-p192', 'ecdsa-p192'),
  'sbv2-ecdsa-p256': v2Scheme('sbv2-ecdsa-p256', 'ecdsa-p256'),
  'sbv2-ecdsa-p384': v2Scheme('sbv2-ecdsa-p384', 'ecdsa-p384'),
  'sbv1-ecdsa-p256': Object.freeze({
    name: 'sbv1-ecdsa-p256' as const,
    secureBootVersion: 1 as const,
    keyAlgorithm: 'ecdsa-p256' as const,
    hash: 'sha256' as const,
    blockKind: 'v1-trailer' as const,
    maxKeys: 1,
    bootsOn: V1_BOOTS_ON,
    chips: Object.freeze(CHIPS.filter(V1_BOOTS_ON)),
  }),
});

/** The descriptor of a scheme. */
export function schemeOf(name: SigningScheme): SchemeDescriptor {
  return SCHEMES[name];
}

/** The descriptor of a scheme name from outside (an HTTP body, a file), or undefined when unknown. */
export function findScheme(name: string): SchemeDescriptor | undefined {
  return Object.hasOwn(SCHEMES, name) ? SCHEMES[name as SigningScheme] : undefined;
}

/**
 * The scheme of a Secure Boot version and the key types given (V1 is always ECDSA
 * P-256); ChipSchemeMismatch when V2 keys are of different types, which no device boots.
 */
export function schemeFor(version: 1 | 2, algorithms: readonly KeyAlgorithm[]): SchemeDescriptor {
  if (version === 1) return SCHEMES['sbv1-ecdsa-p256'];
  const distinct = [...new Set(algorithms)];
  if (distinct.length !== 1) {
    throw new FleetSignError(
      ErrorCode.ChipSchemeMismatch,
      `Keys of different types (${distinct.join(', ')}): a device boots with one signature scheme`,
    );
  }
  const scheme = Object.values(SCHEMES).find(
    (s) => s.secureBootVersion === 2 && s.keyAlgorithm === distinct[0],
  );
  if (!scheme)
    throw new FleetSignError(ErrorCode.UnsupportedKey, `No Secure Boot V2 scheme signs with ${distinct[0]}`);
  return scheme;
}
