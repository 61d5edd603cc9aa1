import { createPemSigner, generateSigningKeyPem } from '@fleetsign/keys';
import { type KeyAlgorithm, publicKeyDigestV2, type SigningScheme } from '@fleetsign/secure-boot';
import { keyAlgorithmOfScheme, type OpenProfile } from '../keys/profile-keys';

// Unit-test helper: an open profile over freshly generated software keys.

const pemCache = new Map<string, string>();

/** A PEM private key per (algorithm, slot), generated once per test file. */
export function testKeyPem(algorithm: KeyAlgorithm, slot = 0): string {
  const id = `${algorithm}#${slot}`;
  let pem = pemCache.get(id);
  if (!pem) {
    pem = generateSigningKeyPem(algorithm);
    pemCache.set(id, pem);
  }
  return pem;
}

/** An open profile of `keys` software keys for `scheme`. */
export function pemProfile(scheme: SigningScheme, keys = 1, options: { name?: string; allowedChips?: string[]; /** First key slot (other slots, other keys). */ firstSlot?: number } = {}): OpenProfile {
  const algorithm = keyAlgorithmOfScheme(scheme);
  return {
    name: options.name ?? `test-${scheme}`,
    scheme,
    ...(options.allowedChips ? { allowedChips: options.allowedChips } : {}),
    keys: Array.from({ length: keys }, (_, index) => {
      const signer = createPemSigner(testKeyPem(algorithm, (options.firstSlot ?? 0) + index));
      return { index, signer, algorithm, publicKey: signer.publicKey, keyDigest: publicKeyDigestV2(signer.publicKey) };
    }),
  };
}
