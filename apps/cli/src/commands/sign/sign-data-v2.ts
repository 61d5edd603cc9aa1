import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { KeySigner } from '@fleetsign/keys';
import {
  SECTOR_SIZE,
  attachSignaturesV2,
  readSignatureSector,
  signV2,
  type ExternalSignatureV2,
  type KeyAlgorithm,
  type SignV2Result,
} from '@fleetsign/secure-boot';
import type { CommandContext } from '../../command-context';
import { openHsmSigner } from '../../hsm/open-hsm-signer';
import { readInputFile } from '../../io/read-input';
import { closeSigners, loadV2PublicKeyFile, openPemSigners } from '../../keys/key-files';
import { checkImageBeforeSigning } from './check-image-before-signing';
import type { SignDataOptions, SignDataOutcome, SigningKeySource } from './sign-data-options';

/** The notice espsecure prints when --append-signatures finds nothing to keep. */
export const APPEND_AFRESH_NOTICE =
  'No valid signature blocks found. Discarding --append-signature and proceeding to sign the image afresh.';

/** Secure Boot V2 signing: private key files, an HSM key, or pre-calculated signatures. */
export async function signDataV2(
  data: Buffer,
  datafile: string,
  options: SignDataOptions,
  source: SigningKeySource,
  context: CommandContext,
): Promise<SignDataOutcome> {
  const result =
    source.kind === 'precomputed'
      ? await attachPrecomputed(data, options, source, context)
      : await signWithKeys(data, options, source, context);
  return {
    image: result.image,
    summary: `Signed ${result.signedDataLength} bytes of data from ${datafile}. Signature sector now has ${result.blocks.length} signature blocks.`,
  };
}

async function attachPrecomputed(
  data: Buffer,
  options: SignDataOptions,
  source: Extract<SigningKeySource, { kind: 'precomputed' }>,
  context: CommandContext,
): Promise<SignV2Result> {
  context.print('Pre-calculated signatures found...');
  if (data.length % SECTOR_SIZE !== 0)
    throw new FleetSignError(
      ErrorCode.ImageNotAligned,
      'Secure Boot V2 requires the signature block to start from a 4KB aligned sector but the datafile supplied is not sector aligned',
      { length: data.length },
    );
  const signatures: ExternalSignatureV2[] = [];
  const algorithms: KeyAlgorithm[] = [];
  for (const [i, publicKeyPath] of source.publicKeyPaths.entries()) {
    const { publicKey, algorithm } = await loadV2PublicKeyFile(publicKeyPath);
    signatures.push({
      publicKey,
      signature: await readInputFile(source.signaturePaths[i], 'signature file'),
    });
    algorithms.push(algorithm);
  }
  preSignChecks(data, options, algorithms, context);
  return attachSignaturesV2(data, signatures, { appendSignatures: Boolean(options.appendSignatures) });
}

async function signWithKeys(
  data: Buffer,
  options: SignDataOptions,
  source: Exclude<SigningKeySource, { kind: 'precomputed' }>,
  context: CommandContext,
): Promise<SignV2Result> {
  const signers =
    source.kind === 'hsm' ? [await openHsmKey(source, context)] : await openPemSigners(source.paths);
  try {
    if (!options.skipPadding && data.length % SECTOR_SIZE !== 0)
      context.print(
        `Padding data contents by ${SECTOR_SIZE - (data.length % SECTOR_SIZE)} bytes so signature sector aligns at sector boundary.`,
      );
    preSignChecks(
      data,
      options,
      signers.map((signer) => signer.algorithm),
      context,
    );
    return await signV2(data, signers, {
      appendSignatures: Boolean(options.appendSignatures),
      skipPadding: Boolean(options.skipPadding),
    });
  } finally {
    await closeSigners(signers);
  }
}

/** Opens the HSM key; a --pub-key given with --hsm replaces the token's public key (as espsecure allows). */
async function openHsmKey(
  source: Extract<SigningKeySource, { kind: 'hsm' }>,
  context: CommandContext,
): Promise<KeySigner> {
  const signer = await openHsmSigner(source.configPath, context);
  if (source.publicKeyPath === undefined) return signer;
  try {
    const { publicKey, algorithm } = await loadV2PublicKeyFile(source.publicKeyPath);
    if (algorithm !== signer.algorithm)
      throw new FleetSignError(
        ErrorCode.KeyMechanismMismatch,
        `--pub-key "${source.publicKeyPath}" is an ${algorithm} key but the HSM key is ${signer.algorithm}`,
      );
    return {
      algorithm,
      publicKey,
      description: signer.description,
      sign: (digest) => signer.sign(digest),
      close: () => signer.close(),
    };
  } catch (err) {
    await closeSigners([signer]);
    throw err;
  }
}

/** The optional image check, then espsecure's append and key-count messages, before any signature is made. */
function preSignChecks(
  data: Buffer,
  options: SignDataOptions,
  algorithms: KeyAlgorithm[],
  context: CommandContext,
): void {
  const appendSignatures = Boolean(options.appendSignatures);
  if (options.chip !== undefined || options.checkImage)
    context.print(
      checkImageBeforeSigning(data, { version: '2', chip: options.chip, algorithms, appendSignatures }),
    );
  if (appendSignatures && data.length >= SECTOR_SIZE && data.length % SECTOR_SIZE === 0) {
    const kept = readSignatureSector(data.subarray(data.length - SECTOR_SIZE)).length;
    context.print(
      kept === 0
        ? APPEND_AFRESH_NOTICE
        : `${kept} valid signature block(s) already present in the signature sector.`,
    );
  }
  context.print(`${algorithms.length} signing key(s) found.`);
}
