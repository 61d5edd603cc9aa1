import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { MAX_SIGNATURE_BLOCKS } from '@fleetsign/secure-boot';
import type { SignDataOptions, SigningKeySource } from './sign-data-options';

/**
 * Decides from the options whether sign-data uses private key files, an HSM, or
 * pre-calculated signatures, and rejects contradictory or incomplete combinations.
 */
export function selectSigningKeySource(options: SignDataOptions): SigningKeySource {
  const keyfiles = options.keyfile ?? [];
  const publicKeys = options.pubKey ?? [];
  const signatures = options.signature ?? [];

  if (options.hsm) {
    if (!options.hsmConfig)
      throw usage('Config file is required to generate signature using an external HSM (--hsm-config)');
    if (keyfiles.length > 0) throw usage('Use either --keyfile or --hsm, not both');
    if (signatures.length > 0)
      throw usage('--signature cannot be combined with --hsm: the HSM makes the signature');
    if (publicKeys.length > 1) throw countMismatch(publicKeys.length, 1);
    return { kind: 'hsm', configPath: options.hsmConfig, publicKeyPath: publicKeys[0] };
  }
  if (options.hsmConfig) throw usage('--hsm-config is only used together with --hsm');

  if (publicKeys.length > 0 || signatures.length > 0) {
    if (keyfiles.length > 0)
      throw usage('Use either --keyfile or pre-calculated --pub-key/--signature, not both');
    if (publicKeys.length !== signatures.length) throw countMismatch(publicKeys.length, signatures.length);
    requireAtMostMaxKeys(publicKeys.length);
    return { kind: 'precomputed', publicKeyPaths: publicKeys, signaturePaths: signatures };
  }

  if (keyfiles.length === 0)
    throw usage('No signing key: give --keyfile, --hsm with --hsm-config, or --pub-key with --signature');
  requireAtMostMaxKeys(keyfiles.length);
  return { kind: 'keyfiles', paths: keyfiles };
}

function requireAtMostMaxKeys(count: number): void {
  if (count > MAX_SIGNATURE_BLOCKS)
    throw new FleetSignError(
      ErrorCode.TooManySignatureBlocks,
      `Number of keys (${count}) more than the empty signature blocks (${MAX_SIGNATURE_BLOCKS})`,
      { keys: count, freeBlocks: MAX_SIGNATURE_BLOCKS },
    );
}

function countMismatch(publicKeys: number, signatures: number): FleetSignError {
  return usage(`Number of public keys (${publicKeys}) not equal to the number of signatures (${signatures})`);
}

function usage(message: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, message);
}
