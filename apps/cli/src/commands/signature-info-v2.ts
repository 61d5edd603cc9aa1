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

/**
 * Prints every slot like espsecure: a valid block and its public key digest as
 * space-separated hex, a block with an intact frame but unusable content and why, and
 * the first absent/invalid slot, where the walk stops. A file without blocks exits 0.
 */
export async function signatureInfo(datafile: string, context: CommandContext): Promise<void> {
  const info = signatureInfoV2(await readInputFile(datafile, 'data file'));
  for (let index = 0; index < MAX_SIGNATURE_BLOCKS; index++) {
    const block = info.blocks.find((b) => b.index === index);
    const unusable = info.unusable.find((b) => b.index === index);
    if (block) {
      context.print(`Signature block ${index} is valid (${keyKind(block.algorithm)}).`);
      context.print(`Public key digest for block ${index}: ${spacedHex(block.keyDigest)}`);
    } else if (unusable) {
      context.print(`Signature block ${index} has an intact CRC but cannot be used: ${unusable.reason}.`);
    } else if (index === info.firstAbsent) {
      context.print(`Signature block ${index} absent/invalid. Skipping checking next blocks...`);
      return;
    }
  }
}

/** `ab cd ef ...`: the byte format espsecure prints digests in. */
export function spacedHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
