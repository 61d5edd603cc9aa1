import type { Command } from 'commander';
import { publicKeyDigestV2 } from '@fleetsign/secure-boot';
import type { CommandContext } from '../command-context';
import { writeFileAtomic } from '../io/atomic-write';
import { loadV2PublicKeyFile } from '../keys/key-files';
import { assertOutputIsNotInput } from './common-options';

/** Parsed options of `digest-sbv2-public-key`. */
export interface DigestPublicKeyOptions {
  keyfile: string;
  output: string;
}

/** `digest-sbv2-public-key` (and the deprecated `digest-rsa-public-key`): the 32-byte eFuse key digest. */
export function registerDigestSbv2PublicKey(program: Command, context: CommandContext): void {
  program
    .command('digest-sbv2-public-key')
    .aliases(['digest_sbv2_public_key', 'digest-rsa-public-key', 'digest_rsa_public_key'])
    .description('Generate an SHA-256 digest of the public key (the value burnt into eFuse).')
    .requiredOption('-k, --keyfile <file>', 'Public key file for the digest: PEM private or public key.')
    .requiredOption('-o, --output <file>', 'Output file for the 32-byte digest.')
    .action(async (options: DigestPublicKeyOptions) => {
      await digestSbv2PublicKey(options, context);
    });
}

/** Writes the Secure Boot V2 public key digest of the key file to the output file. */
export async function digestSbv2PublicKey(
  options: DigestPublicKeyOptions,
  context: CommandContext,
): Promise<void> {
  assertOutputIsNotInput(options.output, [options.keyfile]);
  const { publicKey } = await loadV2PublicKeyFile(options.keyfile);
  const digest = publicKeyDigestV2(publicKey);
  await writeFileAtomic(options.output, digest);
  context.print(`Writing the public key digest of "${options.keyfile}" to "${options.output}".`);
}
