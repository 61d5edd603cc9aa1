import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { SECTOR_SIZE, V1_SIGNATURE_LENGTH, verifyV1, verifyV2 } from '@fleetsign/secure-boot';
import type { OpenProfile } from '../keys/profile-keys';

type ProfileKeys = Pick<OpenProfile, 'scheme' | 'keys'>;

/** True when `file` starts with `source` followed only by 0xFF up to `end`. */
function carriesSource(file: Buffer, source: Buffer, end: number): boolean {
  if (file.length < end || !file.subarray(0, source.length).equals(source)) return false;
  for (let i = source.length; i < end; i++) if (file[i] !== 0xff) return false;
  return true;
}

function v2Problems(file: Buffer, source: Buffer, profile: ProfileKeys): string[] {
  const signedDataLength = Math.ceil(source.length / SECTOR_SIZE) * SECTOR_SIZE;
  if (file.length !== signedDataLength + SECTOR_SIZE || !carriesSource(file, source, signedDataLength)) {
    return [`the signed file is not the ${source.length}-byte image padded to ${signedDataLength} bytes plus one signature sector`];
  }
  const report = verifyV2(file, { publicKeys: profile.keys.map((key) => key.publicKey), imageLayout: 'require' });
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
  return profile.scheme === 'sbv1-ecdsa-p256' ? v1Problems(file, source, profile) : v2Problems(file, source, profile);
}

/** Throws SignatureVerificationFailed unless `file` is a valid signing of `source` with every profile key. */
export function verifySignedImage(file: Buffer, source: Buffer, profile: ProfileKeys): void {
  const problems = signedImageProblems(file, source, profile);
  if (problems.length > 0) {
    throw new FleetSignError(ErrorCode.SignatureVerificationFailed, `signed image failed verification: ${problems.join('; ')}`, {
      problems,
    });
  }
}
