import type { Command } from 'commander';
import { MAX_SIGNATURE_BLOCKS, signatureInfoV2 } from '@fleetsign/secure-boot';
import type { CommandContext } from '../command-context';
import { readInputFile } from '../io/read-input';
import { keyKind } from './verify/describe-block';

/** `signature-info-v2`: list the signature blocks of a V2-signed file and their key digests. */
export function registerSignatureInfoV2(program: Command, context: CommandContext): void {
  program
    .command('signature-info-v2')
    .alias('signature_info_v2')
    .description(
      'Read the signature blocks of a Secure Boot V2 signed file and print their public key digests.',
    )
    .argument('<datafile>', 'Signed file.')
    .action(async (datafile: string) => {
      await signatureInfo(datafile, context);
    });
}

/** Prints each valid block and its public key digest as space-separated hex, like espsecure. */
export async function signatureInfo(datafile: string, context: CommandContext): Promise<void> {
  const info = signatureInfoV2(await readInputFile(datafile, 'data file'));
  for (const block of info.blocks) {
    context.print(`Signature block ${block.index} is valid (${keyKind(block.algorithm)}).`);
    context.print(`Public key digest for block ${block.index}: ${spacedHex(block.keyDigest)}`);
  }
  if (info.blocks.length < MAX_SIGNATURE_BLOCKS)
    context.print(`Signature block ${info.blocks.length} absent/invalid. Skipping checking next blocks...`);
}

/** `ab cd ef ...`: the byte format espsecure prints digests in. */
export function spacedHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
