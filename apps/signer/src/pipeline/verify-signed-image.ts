import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  SECTOR_SIZE,
  V1_SIGNATURE_LENGTH,
  type VerifyV2Report,
  verifySectorV2,
  verifyV1,
  verifyV1Trailer,
  verifyV2,
  schemeOf,
} from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';
import type { KnownImageDigests } from './sign-image';

type ProfileKeys = Pick<OpenProfile, 'scheme' | 'keys'>;

/** A signed file as its parts: the source image, the 0xFF padding length, and what signing appended. */
export interface SignedParts {
  paddingLength: number;
  /** The V2 signature sector, or the 68-byte V1 trailer. */
  appended: Buffer;
}

/** True when `file` starts with `source` followed only by 0xFF up to `end`. */
function carriesSource(file: Buffer, source: Buffer, end: number): boolean {
  if (file.length < end || !file.subarray(0, source.length).equals(source)) return false;
  for (let i = source.length; i < end; i++) if (file[i] !== 0xff) return false;
  return true;
}

/** Where the V2 sector of a signing of `source` must start: the device reads it at the next 4096 boundary. */
function v2SignedDataLength(source: Buffer): number {
  return Math.ceil(source.length / SECTOR_SIZE) * SECTOR_SIZE;
}

/** What is wrong with a V2 verification report as the profile's signing: one valid, trusted block per key, in key order. */
function profileBlockProblems(report: VerifyV2Report, profile: ProfileKeys): string[] {
  const problems = [...report.problems];
  if (report.blocks.length !== profile.keys.length) {
    problems.push(`${report.blocks.length} signature block(s) found, the profile has ${profile.keys.length} key(s)`);
  }
  for (const key of profile.keys) {
    const block = report.blocks.find((b) => b.index === key.index);
    if (!block) continue;
    if (!block.valid || block.keyTrusted !== true) problems.push(`block ${key.index}: ${block.problems.join('; ') || 'not valid'}`);
    if (!block.keyDigest.equals(key.keyDigest)) problems.push(`block ${key.index} carries another key than profile key ${key.index}`);
  }
  return report.valid ? problems : ['the signature sector does not verify', ...problems];
}

function v2Problems(file: Buffer, source: Buffer, profile: ProfileKeys): string[] {
  const signedDataLength = v2SignedDataLength(source);
  if (file.length !== signedDataLength + SECTOR_SIZE || !carriesSource(file, source, signedDataLength)) {
    return [`the signed file is not the ${source.length}-byte image padded to ${signedDataLength} bytes plus one signature sector`];
  }
  return profileBlockProblems(verifyV2(file, { publicKeys: profile.keys.map((key) => key.publicKey), imageLayout: 'require' }), profile);
}

function v1Problems(file: Buffer, source: Buffer, profile: ProfileKeys): string[] {
  if (file.length !== source.length + V1_SIGNATURE_LENGTH || !carriesSource(file, source, source.length)) {
    return [`the signed file is not the ${source.length}-byte image plus a ${V1_SIGNATURE_LENGTH}-byte V1 signature`];
  }
  return verifyV1(file, profile.keys[0].publicKey) ? [] : ['the V1 signature does not verify with the profile key'];
}

/**
 * What is wrong with `file` as the profile's signing of `source` (empty when nothing):
 * it must be exactly the source (padded for V2) with one valid block per profile key,
 * in key order, each made by that key, the sector where the device reads it.
 */
export function signedImageProblems(file: Buffer, source: Buffer, profile: ProfileKeys): string[] {
  return schemeOf(profile.scheme).blockKind === 'v1-trailer' ? v1Problems(file, source, profile) : v2Problems(file, source, profile);
}

/**
 * signedImageProblems for a file kept as parts (`source` ‖ 0xFF × paddingLength ‖
 * appended), checked without putting it together. `source` is a validated ESP image
 * with nothing after it, so the next 4096 boundary is where the device reads the sector.
 */
export function signedPartsProblems(source: Buffer, signed: SignedParts, profile: ProfileKeys, imageDigests?: KnownImageDigests): string[] {
  if (schemeOf(profile.scheme).blockKind === 'v1-trailer') {
    if (signed.paddingLength !== 0) return ['a V1 signed file has no padding'];
    return verifyV1Trailer(source, signed.appended, profile.keys[0].publicKey) ? [] : ['the V1 signature does not verify with the profile key'];
  }
  const signedDataLength = v2SignedDataLength(source);
  if (source.length + signed.paddingLength !== signedDataLength || signed.appended.length !== SECTOR_SIZE) {
    return [`the signed file is not the ${source.length}-byte image padded to ${signedDataLength} bytes plus one signature sector`];
  }
  const report = verifySectorV2(source, signed.appended, {
    publicKeys: profile.keys.map((key) => key.publicKey),
    paddingLength: signed.paddingLength,
    ...(imageDigests ? { imageDigests } : {}),
  });
  return profileBlockProblems(report, profile);
}

function failIfAny(problems: string[]): void {
  if (problems.length > 0) {
    throw new FleetSignError(ErrorCode.SignatureVerificationFailed, `signed image failed verification: ${problems.join('; ')}`, {
      problems,
    });
  }
}

/** Throws SignatureVerificationFailed unless `file` is a valid signing of `source` with every profile key. */
export function verifySignedImage(file: Buffer, source: Buffer, profile: ProfileKeys): void {
  failIfAny(signedImageProblems(file, source, profile));
}

/**
 * verifySignedImage for a file kept as parts: every block is checked against the
 * profile's public keys, its signature over the image bytes themselves. `imageDigests`
 * (of the padded image, computed from the same bytes) spare hashing it again for the
 * blocks' digest check.
 */
export function verifySignedParts(source: Buffer, signed: SignedParts, profile: ProfileKeys, imageDigests?: KnownImageDigests): void {
  failIfAny(signedPartsProblems(source, signed, profile, imageDigests));
}
