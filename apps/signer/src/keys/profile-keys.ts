import type { KeyObject } from 'node:crypto';
import { keyLocator, type ProfileConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import type { ProfileKeysRecord } from '@fleetsign/queue/profile-key-directory';
import {
  chipByName,
  type DigestSigner,
  type KeyAlgorithm,
  publicKeyDigestV2,
  type SigningScheme,
  schemeOf,
} from '@fleetsign/secure-boot';
import type { KeyOpener } from './key-opener';

/** One opened key of a profile, in signature block order. */
export interface ProfileKey {
  index: number;
  signer: KeySigner;
  algorithm: KeyAlgorithm;
  publicKey: KeyObject;
  /** SHA-256 public-key digest (Secure Boot V2 key digest, 32 bytes). */
  keyDigest: Buffer;
}

/** A profile whose keys are open and ready to sign. */
export interface OpenProfile {
  name: string;
  scheme: SigningScheme;
  allowedChips?: readonly string[];
  keys: readonly ProfileKey[];
  /** keyLocator of each configured key the keys were opened from: a reload that changes one reopens them. */
  locators?: readonly string[];
}

/** The key algorithm every key of a scheme must have. */
export function keyAlgorithmOfScheme(scheme: SigningScheme): KeyAlgorithm {
  return schemeOf(scheme).keyAlgorithm;
}

/**
 * Refuses keys that cannot sign for the profile's scheme: a key of another type or
 * curve (UnsupportedKey), or more than one key for Secure Boot V1.
 */
export function checkKeysForScheme(profile: string, scheme: SigningScheme, signers: readonly DigestSigner[]): void {
  const wanted = keyAlgorithmOfScheme(scheme);
  signers.forEach((signer, index) => {
    if (signer.algorithm !== wanted) {
      throw new FleetSignError(
        ErrorCode.UnsupportedKey,
        `profile '${profile}': key ${index} is ${signer.algorithm} but scheme ${scheme} signs with ${wanted}`,
        { profile, index, algorithm: signer.algorithm, scheme },
      );
    }
  });
  if (schemeOf(scheme).secureBootVersion === 1 && signers.length !== 1) {
    throw new FleetSignError(
      ErrorCode.UnsupportedKey,
      `profile '${profile}': Secure Boot V1 signs with exactly one key, ${signers.length} configured`,
      { profile, keys: signers.length },
    );
  }
}

/**
 * Bytes of the key digest a device burns into eFuse for chips of this profile: 16 when
 * every allowed chip keeps only half the digest (ESP32-C2), else the full 32.
 */
export function efuseDigestLength(allowedChips: readonly string[] | undefined): 16 | 32 {
  if (!allowedChips?.length) return 32;
  return allowedChips.every((name) => chipByName(name)?.keyDigestLength === 16) ? 16 : 32;
}

/**
 * Opens a profile's keys in order and checks them against the scheme. When one
 * fails, the keys opened before it are closed again and the error is rethrown.
 */
export async function openProfileKeys(profile: ProfileConfig, openKey: KeyOpener): Promise<OpenProfile> {
  const signers: KeySigner[] = [];
  try {
    for (const [index, key] of profile.keys.entries()) {
      signers.push(await openKey(key, `profiles[${profile.name}].keys[${index}]`));
    }
    checkKeysForScheme(profile.name, profile.scheme, signers);
  } catch (err) {
    await Promise.allSettled(signers.map((signer) => signer.close()));
    throw err;
  }
  return {
    name: profile.name,
    scheme: profile.scheme,
    ...(profile.allowedChips ? { allowedChips: profile.allowedChips } : {}),
    locators: profile.keys.map(keyLocator),
    keys: signers.map((signer, index) => ({
      index,
      signer,
      algorithm: signer.algorithm,
      publicKey: signer.publicKey,
      keyDigest: publicKeyDigestV2(signer.publicKey),
    })),
  };
}

/** Closes every key of an open profile; one failure does not keep the others open. */
export async function closeProfileKeys(profile: OpenProfile): Promise<void> {
  const results = await Promise.allSettled(profile.keys.map((key) => key.signer.close()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The public record of a profile's keys that the gateway reads (see publishProfileKeys). */
export function profileKeysRecord(profile: OpenProfile, publishedAt: Date, certificatePems?: readonly string[]): ProfileKeysRecord {
  const efuseBytes = efuseDigestLength(profile.allowedChips);
  return {
    profile: profile.name,
    scheme: profile.scheme,
    publishedAt: publishedAt.toISOString(),
    keys: profile.keys.map((key) => ({
      index: key.index,
      algorithm: key.algorithm,
      publicKeyPem: key.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      keyDigestSha256: key.keyDigest.toString('hex'),
      keyDigestEfuse: key.keyDigest.subarray(0, efuseBytes).toString('hex'),
      ...(certificatePems?.[key.index] ? { certificatePem: certificatePems[key.index] } : {}),
    })),
    ...(profile.allowedChips ? { allowedChips: [...profile.allowedChips] } : {}),
  };
}
