import { type Command, Option } from 'commander';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createCertificateRequest } from '@fleetsign/keys';
import type { CommandContext } from '../command-context';
import { openHsmSigner } from '../hsm/open-hsm-signer';
import { writeFileAtomic } from '../io/atomic-write';
import { closeSigners } from '../keys/key-files';
import { openProfileKey, selectProfileKey } from '../keys/profile-key';
import type { KeySigner } from '@fleetsign/keys';
import { assertOutputIsNotInput } from './common-options';

/** Parsed options of `keys csr`. */
export interface KeysCsrOptions {
  hsmConfig?: string;
  /** FleetSign configuration file, with `profile` (and `key` when the profile has several). */
  config?: string;
  profile?: string;
  key?: string;
  subject?: string;
  output?: string;
  /** Same as `output`. */
  out?: string;
}

/** `keys csr`: a PKCS#10 request for a token key, signed inside the token, for the organisation's CA. */
export function registerKeys(program: Command, context: CommandContext): void {
  const keys = program.command('keys').description('FleetSign extension: work with signing keys that stay in their HSM.');
  keys
    .command('csr')
    .description(
      'Write a PKCS#10 certificate request for a key that stays in its HSM or KMS, signed there (RSA-3072, ECDSA P-256/P-384): ' +
        'a key of an INI file (--hsm-config), or a profile key of the FleetSign configuration (--config, --profile, --key).',
    )
    .option('--hsm-config <file>', 'INI config ([hsm_config] section) of the HSM key.')
    .option('--config <file>', 'FleetSign configuration file (as the signer reads it) holding the profile key.')
    .option('--profile <name>', 'Profile of the key (with --config).')
    .option('--key <key>', 'Which key of the profile: index (0-2), PKCS#11 key label or id, or KMS key id (with --config; needed when the profile has several).')
    .option('--subject <name>', 'Subject of the request, e.g. "CN=fw-release, O=Acme" (RFC 4514).')
    .option('-o, --output <file>', 'Where to write the PEM request (default: stdout).')
    .addOption(new Option('--out <file>', 'Same as --output.'))
    .action(async (options: KeysCsrOptions) => {
      await keysCsr(options, context);
    });
}

/** Builds the request and writes it atomically (or prints it). */
export async function keysCsr(options: KeysCsrOptions, context: CommandContext): Promise<void> {
  if (options.hsmConfig && options.config) throw new FleetSignError(ErrorCode.InvalidArgument, 'give --hsm-config or --config, not both');
  if (!options.hsmConfig && !options.config) throw new FleetSignError(ErrorCode.InvalidArgument, "required option '--hsm-config <file>' or '--config <file>' not specified");
  if (options.config && !options.profile) throw new FleetSignError(ErrorCode.InvalidArgument, "--config needs '--profile <name>'");
  if (!options.config && (options.profile !== undefined || options.key !== undefined)) {
    throw new FleetSignError(ErrorCode.InvalidArgument, '--profile and --key go with --config');
  }
  if (!options.subject?.trim()) throw new FleetSignError(ErrorCode.InvalidArgument, "required option '--subject <name>' not specified");
  if (options.output && options.out && options.output !== options.out) throw new FleetSignError(ErrorCode.InvalidArgument, 'give --output or --out, not both');
  const output = options.output ?? options.out;
  if (output) assertOutputIsNotInput(output, [options.hsmConfig, options.config]);
  const signer = await openCsrKey(options, context);
  let pem: string;
  try {
    pem = await createCertificateRequest(signer, options.subject);
  } finally {
    await closeSigners([signer]);
  }
  if (!output) {
    context.print(pem.trimEnd());
    return;
  }
  await writeFileAtomic(output, Buffer.from(pem));
  context.print(`Certificate request for "${signer.description}" written to "${output}".`);
}

/** The key of the INI file, or the profile key of the configuration file. */
async function openCsrKey(options: KeysCsrOptions, context: CommandContext): Promise<KeySigner> {
  if (options.hsmConfig) return openHsmSigner(options.hsmConfig, context);
  const { key, at } = selectProfileKey(options.config as string, options.profile as string, options.key, context.env);
  return openProfileKey(key, at, context);
}
