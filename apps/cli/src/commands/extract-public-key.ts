import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { algorithmOfPublicKey, publicKeyToV1Raw } from '@fleetsign/secure-boot';
import type { CommandContext } from '../command-context';
import { openHsmSigner } from '../hsm/open-hsm-signer';
import { writeFileAtomic } from '../io/atomic-write';
import { closeSigners, loadPublicKeyOfPrivateKeyFile, requireV1Key } from '../keys/key-files';
import { assertOutputIsNotInput, secureBootVersionOption } from './common-options';

/** Parsed options of `extract-public-key`. */
export interface ExtractPublicKeyOptions {
  version: '1' | '2';
  keyfile?: string;
  hsm?: boolean;
  hsmConfig?: string;
}

/** `extract-public-key`: V1 writes the raw 64-byte X||Y key, V2 a PEM SubjectPublicKeyInfo. */
export function registerExtractPublicKey(program: Command, context: CommandContext): void {
  program
    .command('extract-public-key')
    .alias('extract_public_key')
    .description('Extract the public verification key for signatures (V1: raw 64 bytes X||Y; V2: PEM).')
    .addOption(secureBootVersionOption({ defaultVersion: '1' }))
    .option('-k, --keyfile <file>', 'Private key file (PEM) to extract the public verification key from.')
    .option('--hsm', 'FleetSign extension (V2): read the public key from an external HSM through PKCS#11.')
    .option('--hsm-config <file>', 'INI config ([hsm_config] section) of the HSM key used with --hsm.')
    .argument('<public-keyfile>', 'Output file for the public key.')
    .action(async (publicKeyfile: string, options: ExtractPublicKeyOptions) => {
      await extractPublicKey(publicKeyfile, options, context);
    });
}

/** Writes the public half of a private key file (or of an HSM key) in the version's format. */
export async function extractPublicKey(
  publicKeyfile: string,
  options: ExtractPublicKeyOptions,
  context: CommandContext,
): Promise<void> {
  assertOutputIsNotInput(publicKeyfile, [options.keyfile, options.hsmConfig]);
  const { publicKey, source } = await loadKey(options, context);
  let bytes: Buffer;
  if (options.version === '1') {
    requireV1Key(publicKey, source);
    bytes = publicKeyToV1Raw(publicKey);
  } else {
    algorithmOfPublicKey(publicKey);
    bytes = Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }));
  }
  await writeFileAtomic(publicKeyfile, bytes);
  context.print(`"${source}" public key extracted to "${publicKeyfile}".`);
}

async function loadKey(
  options: ExtractPublicKeyOptions,
  context: CommandContext,
): Promise<{ publicKey: KeyObject; source: string }> {
  if (options.hsm) {
    if (options.version !== '2') throw usage('--hsm applies to Secure Boot V2 keys only (--version 2)');
    if (!options.hsmConfig)
      throw usage('Config file is required to extract public key from an external HSM (--hsm-config)');
    if (options.keyfile) throw usage('Use either --keyfile or --hsm, not both');
    const signer = await openHsmSigner(options.hsmConfig, context);
    try {
      return { publicKey: signer.publicKey, source: signer.description };
    } finally {
      await closeSigners([signer]);
    }
  }
  if (options.hsmConfig) throw usage('--hsm-config is only used together with --hsm');
  if (!options.keyfile) throw usage("required option '-k, --keyfile <file>' not specified");
  return { publicKey: await loadPublicKeyOfPrivateKeyFile(options.keyfile), source: options.keyfile };
}

function usage(message: string): FleetSignError {
  return new FleetSignError(ErrorCode.InvalidArgument, message);
}
