import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { attachSignatureV1, signV1 } from '@fleetsign/secure-boot';
import type { CommandContext } from '../../command-context';
import { readInputFile } from '../../io/read-input';
import { closeSigners, loadPublicKeyFile, openPemSigners, requireV1Key } from '../../keys/key-files';
import { checkImageBeforeSigning } from './check-image-before-signing';
import type { SignDataOptions, SignDataOutcome, SigningKeySource } from './sign-data-options';

/** Length of a pre-calculated V1 signature file: raw r || s, big-endian. */
const V1_RAW_SIGNATURE_LENGTH = 64;

/** Secure Boot V1 signing (ESP32 before rev 3): one P-256 key file or one pre-calculated signature. */
export async function signDataV1(
  data: Buffer,
  datafile: string,
  options: SignDataOptions,
  source: SigningKeySource,
  context: CommandContext,
): Promise<SignDataOutcome> {
  if (options.appendSignatures) throw usage('--append-signatures applies to Secure Boot V2 only');
  if (options.skipPadding) throw usage('--skip-padding applies to Secure Boot V2 only');
  if (source.kind === 'hsm')
    throw usage('Secure Boot V1 does not support signing using an external Hardware Security Module (HSM)');

  if (source.kind === 'precomputed') {
    context.print('Pre-calculated signatures found...');
    if (source.publicKeyPaths.length > 1) throw usage('Secure Boot V1 only supports one signing key');
    const publicKey = await loadPublicKeyFile(source.publicKeyPaths[0]);
    requireV1Key(publicKey, source.publicKeyPaths[0]);
    const signature = await readInputFile(source.signaturePaths[0], 'signature file');
    if (signature.length !== V1_RAW_SIGNATURE_LENGTH)
      throw new FleetSignError(
        ErrorCode.SignatureVerificationFailed,
        `Secure Boot V1 signature file "${source.signaturePaths[0]}" must hold ${V1_RAW_SIGNATURE_LENGTH} bytes (r || s, big-endian), not ${signature.length}`,
      );
    checkImage(data, options, context);
    return {
      image: attachSignatureV1(data, publicKey, signature),
      summary: `Signed ${data.length} bytes of data from ${datafile}.`,
    };
  }

  if (source.paths.length > 1) throw usage('Secure Boot V1 only supports one signing key');
  const [signer] = await openPemSigners(source.paths);
  try {
    requireV1Key(signer.publicKey, source.paths[0]);
    checkImage(data, options, context);
    return {
      image: await signV1(data, signer),
      summary: `Signed ${data.length} bytes of data from ${datafile} with key ${source.paths[0]}.`,
    };
  } finally {
    await closeSigners([signer]);
  }
}

function checkImage(data: Buffer, options: SignDataOptions, context: CommandContext): void {
  if (options.chip !== undefined || options.checkImage)
    context.print(
      checkImageBeforeSigning(data, {
        version: '1',
        chip: options.chip,
        algorithms: ['ecdsa-p256'],
        appendSignatures: false,
      }),
    );
}

function usage(message: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, message);
}
