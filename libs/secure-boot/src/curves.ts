import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeyAlgorithm } from './algorithms';

/** An ECDSA curve usable in a Secure Boot V2 block (spec section 4). */
export interface EcdsaCurve {
  readonly algorithm: KeyAlgorithm;
  /** Curve id byte stored in the block: 1 = P-192, 2 = P-256, 3 = P-384. */
  readonly curveId: number;
  /** OpenSSL / node:crypto curve name (`asymmetricKeyDetails.namedCurve`). */
  readonly opensslName: string;
  /** Size of one coordinate, of r and of s, in bytes. */
  readonly fieldSize: number;
  /** Size of the point field and of the signature field in the block (X‖Y, r‖s). */
  readonly blockFieldSize: number;
  /** Hash id byte stored at block offset 2: 0 = SHA-256, 1 = SHA-384. */
  readonly hashId: number;
  /** Hash over the signed data for the image digest and the signature. */
  readonly digest: 'sha256' | 'sha384';
  /** DER body of the named-curve OBJECT IDENTIFIER (for SubjectPublicKeyInfo). */
  readonly oidDer: Buffer;
  /** The order n of the base point. */
  readonly order: bigint;
}

/** The three curves Secure Boot V2 knows, in curve-id order. */
export const ECDSA_CURVES: readonly EcdsaCurve[] = [
  {
    algorithm: 'ecdsa-p192',
    curveId: 1,
    opensslName: 'prime192v1',
    fieldSize: 24,
    blockFieldSize: 64,
    hashId: 0,
    digest: 'sha256',
    oidDer: Buffer.from('2a8648ce3d030101', 'hex'),
    order: 0xffffffffffffffffffffffff99def836146bc9b1b4d22831n,
  },
  {
    algorithm: 'ecdsa-p256',
    curveId: 2,
    opensslName: 'prime256v1',
    fieldSize: 32,
    blockFieldSize: 64,
    hashId: 0,
    digest: 'sha256',
    oidDer: Buffer.from('2a8648ce3d030107', 'hex'),
    order: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  {
    algorithm: 'ecdsa-p384',
    curveId: 3,
    opensslName: 'secp384r1',
    fieldSize: 48,
    blockFieldSize: 96,
    hashId: 1,
    digest: 'sha384',
    oidDer: Buffer.from('2b81040022', 'hex'),
    order:
      0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
];

/** The curve for an ECDSA algorithm, or undefined for RSA. */
export function curveByAlgorithm(algorithm: KeyAlgorithm): EcdsaCurve | undefined {
  return ECDSA_CURVES.find((c) => c.algorithm === algorithm);
}

/** The curve of an ECDSA algorithm; throws InvalidArgument for RSA. */
export function requireCurve(algorithm: KeyAlgorithm): EcdsaCurve {
  const curve = curveByAlgorithm(algorithm);
  if (!curve) throw new FleetSignError(ErrorCode.InvalidArgument, `${algorithm} is not an ECDSA algorithm`);
  return curve;
}

/** The curve stored under `curveId` in a block, or undefined for an unknown id. */
export function curveById(curveId: number): EcdsaCurve | undefined {
  return ECDSA_CURVES.find((c) => c.curveId === curveId);
}

/** The curve with an OpenSSL name (also accepts the NIST names P-192/P-256/P-384). */
export function curveByName(name: string): EcdsaCurve | undefined {
  const nist: Record<string, string> = { 'P-192': 'prime192v1', 'P-256': 'prime256v1', 'P-384': 'secp384r1' };
  const wanted = nist[name] ?? name;
  return ECDSA_CURVES.find((c) => c.opensslName === wanted);
}
