import type { Command } from 'commander';
import type { CommandContext } from '../command-context';
import { writeFileAtomic } from '../io/atomic-write';
import { readInputFile } from '../io/read-input';
import { assertOutputIsNotInput, secureBootVersionOption } from './common-options';
import { selectSigningKeySource } from './sign/select-key-source';
import { signDataV1 } from './sign/sign-data-v1';
import { signDataV2 } from './sign/sign-data-v2';
import type { SignDataOptions } from './sign/sign-data-options';

/** `sign-data` / `sign_data`: sign a file for Secure Boot V1 or V2. */
export function registerSignData(program: Command, context: CommandContext): void {
  program
    .command('sign-data')
    .alias('sign_data')
    .description('Sign a data file for use with secure boot.')
    .addOption(secureBootVersionOption({ required: true }))
    .option('-k, --keyfile <files...>', 'Private key file(s) for signing, PEM. Secure Boot V2 takes up to 3.')
    .option(
      '-o, --output <file>',
      'Output file for the signed image. Default is to sign the input file in place.',
    )
    .option(
      '-a, --append-signatures',
      'Append signature block(s) to an already signed image. Not valid for ESP32 and ESP32-C2.',
    )
    .option('--hsm', 'Sign with a key in an external Hardware Security Module through PKCS#11.')
    .option('--hsm-config <file>', 'INI config ([hsm_config] section) of the HSM key used with --hsm.')
    .option(
      '--pub-key <files...>',
      'Public key files (PEM) of the pre-calculated signatures; with --hsm, replaces the token public key.',
    )
    .option(
      '--signature <files...>',
      'Pre-calculated signatures (V2: RSA raw 384 bytes, ECDSA DER; V1: raw r||s).',
    )
    .option('--skip-padding', 'Do not pad the data to a 4 KiB boundary before the signature sector (V2).')
    .option(
      '--chip <name>',
      'FleetSign extension: require an ESP app image for this chip (implies --check-image).',
    )
    .option(
      '--check-image',
      'FleetSign extension: validate the ESP image and that its chip boots this scheme before signing.',
    )
    .argument('<datafile>', 'File to sign (put it after another option, as --keyfile takes several files).')
    .action(async (datafile: string, options: SignDataOptions) => {
      await signData(datafile, options, context);
    });
}

/** Runs sign-data: choose the key source, sign, write the result atomically, then report. */
export async function signData(
  datafile: string,
  options: SignDataOptions,
  context: CommandContext,
): Promise<void> {
  const output = options.output ?? datafile;
  assertOutputIsNotInput(output, [
    ...(options.keyfile ?? []),
    ...(options.pubKey ?? []),
    ...(options.signature ?? []),
    options.hsmConfig,
  ]);
  const source = selectSigningKeySource(options);
  const data = await readInputFile(datafile, 'data file');
  const sign = options.version === '1' ? signDataV1 : signDataV2;
  const outcome = await sign(data, datafile, options, source, context);
  await writeFileAtomic(output, outcome.image);
  context.print(outcome.summary);
}
