import type { Command } from 'commander';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { createCertificateRequest } from '@fleetsign/keys';
import type { CommandContext } from '../command-context';
import { openHsmSigner } from '../hsm/open-hsm-signer';
import { writeFileAtomic } from '../io/atomic-write';
import { closeSigners } from '../keys/key-files';
import { assertOutputIsNotInput } from './common-options';

/** Parsed options of `keys csr`. */
export interface KeysCsrOptions {
  hsmConfig?: string;
  subject?: string;
  output?: string;
}

/** `keys csr`: a PKCS#10 request for a token key, signed inside the token, for the organisation's CA. */
export function registerKeys(program: Command, context: CommandContext): void {
  const keys = program.command('keys').description('FleetSign extension: work with signing keys that stay in their HSM.');
  keys
    .command('csr')
    .description('Write a PKCS#10 certificate request for a PKCS#11 key, signed inside the token (RSA-3072, ECDSA P-256/P-384).')
    .option('--hsm-config <file>', 'INI config ([hsm_config] section) of the HSM key.')
    .option('--subject <name>', 'Subject of the request, e.g. "CN=fw-release, O=Acme" (RFC 4514).')
    .option('-o, --output <file>', 'Where to write the PEM request (default: stdout).')
    .action(async (options: KeysCsrOptions) => {
      await keysCsr(options, context);
    });
}

/** Builds the request and writes it atomically (or prints it). */
export async function keysCsr(options: KeysCsrOptions, context: CommandContext): Promise<void> {
  if (!options.hsmConfig) throw new FleetSignError(ErrorCode.InvalidArgument, "required option '--hsm-config <file>' not specified");
  if (!options.subject?.trim()) throw new FleetSignError(ErrorCode.InvalidArgument, "required option '--subject <name>' not specified");
  if (options.output) assertOutputIsNotInput(options.output, [options.hsmConfig]);
  const signer = await openHsmSigner(options.hsmConfig, context);
  let pem: string;
  try {
    pem = await createCertificateRequest(signer, options.subject);
  } finally {
    await closeSigners([signer]);
  }
  if (!options.output) {
    context.print(pem.trimEnd());
    return;
  }
  await writeFileAtomic(options.output, Buffer.from(pem));
  context.print(`Certificate request for "${signer.description}" written to "${options.output}".`);
}
