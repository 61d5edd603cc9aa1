import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { V1_SIGNATURE_LENGTH, verifyV1, verifyV2, type KeyAlgorithm } from '@fleetsign/secure-boot';
import type { CommandContext } from '../command-context';
import { openHsmSigner } from '../hsm/open-hsm-signer';
import { readInputFile } from '../io/read-input';
import { closeSigners, loadV1VerificationKeyFile, loadV2PublicKeyFile } from '../keys/key-files';
import { secureBootVersionOption } from './common-options';
import { describeBlockVerification, keyKind } from './verify/describe-block';
import { parseKeyDigestHex } from './verify/parse-key-digest';

/** Parsed options of `verify-signature`. */
export interface VerifySignatureOptions {
  version: '1' | '2';
  keyfile?: string;
  hsm?: boolean;
  hsmConfig?: string;
  efuseDigest?: string[];
  skipPadding?: boolean;
}

/** `verify-signature` / `verify_signature`: check a signed file against a key (or eFuse key digests). */
export function registerVerifySignature(program: Command, context: CommandContext): void {
  program
    .command('verify-signature')
    .alias('verify_signature')
    .description('Verify a data file previously signed by "sign-data" using the public key.')
    .addOption(secureBootVersionOption({ required: true }))
    .option(
      '-k, --keyfile <file>',
      'Key for verification: PEM private or public key (V1 also the 64-byte raw X||Y file).',
    )
    .option('--hsm', 'Take the public key from an external Hardware Security Module through PKCS#11.')
    .option('--hsm-config <file>', 'INI config ([hsm_config] section) of the HSM key used with --hsm.')
    .option(
      '--efuse-digest <hex>',
      'FleetSign extension (V2): expected eFuse key digest, 64 hex digits (32 for ESP32-C2); repeat for several.',
      collect,
    )
    .option(
      '--skip-padding',
      'The image was signed with --skip-padding: the sector is the last 4096 bytes (V2).',
    )
    .argument('<datafile>', 'Signed file to verify.')
    .action(async (datafile: string, options: VerifySignatureOptions) => {
      await verifySignature(datafile, options, context);
    });
}

/** Runs verify-signature; throws (exit 2) unless a signature verifies. */
export async function verifySignature(
  datafile: string,
  options: VerifySignatureOptions,
  context: CommandContext,
): Promise<void> {
  if (options.version === '1') await verifySignatureV1(datafile, options, context);
  else await verifySignatureV2(datafile, options, context);
}

async function verifySignatureV1(
  datafile: string,
  options: VerifySignatureOptions,
  context: CommandContext,
): Promise<void> {
  if (options.hsm) throw usage('Secure Boot V1 does not support an external Hardware Security Module (HSM)');
  if (options.efuseDigest) throw usage('--efuse-digest applies to Secure Boot V2 only');
  if (!options.keyfile) throw usage('--keyfile is required to verify a Secure Boot V1 signature');
  const publicKey = await loadV1VerificationKeyFile(options.keyfile);
  const file = await readInputFile(datafile, 'data file');
  if (file.length < V1_SIGNATURE_LENGTH)
    throw new FleetSignError(
      ErrorCode.InvalidSignatureBlock,
      `"${datafile}" is ${file.length} bytes, shorter than a ${V1_SIGNATURE_LENGTH}-byte Secure Boot V1 signature`,
    );
  context.print(`Verifying ${file.length - V1_SIGNATURE_LENGTH} bytes of data...`);
  if (!verifyV1(file, publicKey))
    throw new FleetSignError(ErrorCode.SignatureVerificationFailed, 'Signature is not valid.');
  context.print('Signature is valid.');
}

async function verifySignatureV2(
  datafile: string,
  options: VerifySignatureOptions,
  context: CommandContext,
): Promise<void> {
  const expectedKeyDigests = (options.efuseDigest ?? []).map(parseKeyDigestHex);
  const key = await loadV2VerificationKey(options, context);
  if (!key && expectedKeyDigests.length === 0)
    throw usage('Give the key to verify with: --keyfile, --hsm with --hsm-config, or --efuse-digest');
  const file = await readInputFile(datafile, 'data file');

  const report = verifyV2(file, {
    publicKeys: key ? [key.publicKey] : undefined,
    expectedKeyDigests: expectedKeyDigests.length > 0 ? expectedKeyDigests : undefined,
    skipPadding: Boolean(options.skipPadding),
    // A --skip-padding sector does not sit at the image's 4 KiB boundary by design.
    imageLayout: options.skipPadding ? 'off' : 'auto',
  });
  const trustedBy = key ? `the supplied key (${keyKind(key.algorithm)})` : 'the expected eFuse key digest';
  for (const line of describeBlockVerification(report, { trustedBy, byKey: key !== undefined }))
    context.print(line);

  if (!report.valid) {
    const reason =
      report.validBlocks.length === 0
        ? `no signature block could be verified with ${trustedBy}`
        : report.problems.join('; ') || 'the image layout check failed';
    throw new FleetSignError(
      ErrorCode.SignatureVerificationFailed,
      `Checksum / signature verification failed: ${reason}`,
      {
        validBlocks: report.validBlocks,
      },
    );
  }
  for (const problem of report.problems) context.print(`Warning: ${problem}`);
}

/** The V2 verification key from --keyfile or the HSM; undefined when only eFuse digests are given. */
async function loadV2VerificationKey(
  options: VerifySignatureOptions,
  context: CommandContext,
): Promise<{ publicKey: KeyObject; algorithm: KeyAlgorithm } | undefined> {
  if (options.hsm) {
    if (!options.hsmConfig)
      throw usage('Config file is required to extract public key from an external HSM (--hsm-config)');
    if (options.keyfile) throw usage('Use either --keyfile or --hsm, not both');
    const signer = await openHsmSigner(options.hsmConfig, context);
    try {
      return { publicKey: signer.publicKey, algorithm: signer.algorithm };
    } finally {
      await closeSigners([signer]);
    }
  }
  if (options.hsmConfig) throw usage('--hsm-config is only used together with --hsm');
  return options.keyfile ? loadV2PublicKeyFile(options.keyfile) : undefined;
}

/** Gathers a repeatable option's values (not variadic, so the data file is never swallowed). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function usage(message: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, message);
}
