import type { Command } from 'commander';
import { lstat } from 'node:fs/promises';
import { Option } from 'commander';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { generateSigningKeyPem } from '@fleetsign/keys';
import type { KeyAlgorithm } from '@fleetsign/secure-boot';
import type { CommandContext } from '../command-context';
import { writeFileAtomic } from '../io/atomic-write';
import { secureBootVersionOption } from './common-options';

/** espsecure's --scheme names and what each generates. */
const SCHEMES = {
  rsa3072: { algorithm: 'rsa3072', label: 'RSA 3072' },
  ecdsa192: { algorithm: 'ecdsa-p192', label: 'ECDSA NIST192p' },
  ecdsa256: { algorithm: 'ecdsa-p256', label: 'ECDSA NIST256p' },
  ecdsa384: { algorithm: 'ecdsa-p384', label: 'ECDSA NIST384p' },
} as const satisfies Record<string, { algorithm: KeyAlgorithm; label: string }>;

type SchemeName = keyof typeof SCHEMES;

/** Parsed options of `generate-signing-key`. */
export interface GenerateSigningKeyOptions {
  version: '1' | '2';
  scheme?: SchemeName;
}

/** `generate-signing-key`: a new private key file (PEM, mode 0600), never over an existing file. */
export function registerGenerateSigningKey(program: Command, context: CommandContext): void {
  program
    .command('generate-signing-key')
    .alias('generate_signing_key')
    .description('Generate a private key for signing secure boot images as per the secure boot version.')
    .addOption(secureBootVersionOption({ defaultVersion: '1' }))
    .addOption(
      new Option('-s, --scheme <scheme>', 'Key type (default: rsa3072 for V2, ecdsa256 for V1).').choices(
        Object.keys(SCHEMES),
      ),
    )
    .argument('<keyfile>', 'Output file for the private key (must not exist).')
    .action(async (keyfile: string, options: GenerateSigningKeyOptions) => {
      await generateSigningKey(keyfile, options, context);
    });
}

/** Generates the key and writes it atomically with mode 0600; refuses an existing file. */
export async function generateSigningKey(
  keyfile: string,
  options: GenerateSigningKeyOptions,
  context: CommandContext,
): Promise<void> {
  const schemeName: SchemeName = options.scheme ?? (options.version === '1' ? 'ecdsa256' : 'rsa3072');
  if (options.version === '1' && schemeName !== 'ecdsa256')
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      'Secure Boot V1 only supports ECDSA256 (--scheme ecdsa256)',
    );
  const scheme = SCHEMES[schemeName];
  // Fail before spending time on key generation; the exclusive write below still guards the race.
  if (await exists(keyfile)) throw keyFileExists(keyfile);
  try {
    await writeFileAtomic(keyfile, generateSigningKeyPem(scheme.algorithm), { mode: 0o600, exclusive: true });
  } catch (err) {
    if (err instanceof FleetSignError && err.code === ErrorCode.FileExists) throw keyFileExists(keyfile);
    throw err;
  }
  context.print(`${scheme.label} private key in PEM format written to "${keyfile}".`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

function keyFileExists(keyfile: string): FleetSignError {
  return new FleetSignError(ErrorCode.FileExists, `Key file ${keyfile} already exists`, { path: keyfile });
}
