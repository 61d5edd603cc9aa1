import { createPublicKey } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { findScheme, publicKeyDigestV2 } from '@fleetsign/secure-boot';
import type { CommandRegistration } from '../../command-context';
import { EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import type { ProfilePublicKeys } from '@fleetsign/api';
import { runClientCommand } from '../../client/run-client-command';
import { writeFileAtomic } from '../../io/atomic-write';
import { toIoError } from '@fleetsign/errors';
import { withConnectionOptions } from './client-options';

/** Parsed options of `public-keys`. */
export interface PublicKeysFlags extends ConnectionFlags {
  out?: string;
  json?: boolean;
}

/** Profile names as the service accepts them (also safe as file-name parts). */
const PROFILE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `public-keys PROFILE [--out DIR]`: a profile's public keys and eFuse key digests. */
export function publicKeysCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const command = program
      .command('public-keys')
      .alias('public_keys')
      .description("Show a signing profile's public keys and eFuse key digests; --out writes PEM and digest files.")
      .argument('<profile>', 'signing profile')
      .option('-o, --out <dir>', 'write <profile>-key<N>.pem and <profile>-key<N>-digest.bin (32-byte SHA-256) here')
      .option('--json', "print the service's answer as JSON");
    withConnectionOptions(command).action((profile: string, flags: PublicKeysFlags) =>
      runClientCommand(context, runtime, (call) => publicKeys(profile, flags, openSession(flags, context, runtime, call))),
    );
  };
}

/** Fetches the keys, checks each published V2 digest against its PEM, prints and optionally writes them. */
export async function publicKeys(profile: string, flags: PublicKeysFlags, session: ClientSession): Promise<number> {
  if (!PROFILE_PATTERN.test(profile)) throw new FleetSignError(ErrorCode.InvalidArgument, `"${profile}" is not a profile name`);
  const record = await session.api.profilePublicKeys(profile);
  checkDigests(record);
  const written: string[] = [];
  if (flags.out) {
    await mkdir(flags.out, { recursive: true }).catch((err: unknown) => {
      throw toIoError(err, 'create', flags.out as string);
    });
    for (const key of record.keys) {
      const base = join(flags.out, `${profile}-key${key.index}`);
      await writeFileAtomic(`${base}.pem`, key.publicKeyPem.endsWith('\n') ? key.publicKeyPem : `${key.publicKeyPem}\n`);
      await writeFileAtomic(`${base}-digest.bin`, Buffer.from(key.keyDigestSha256, 'hex'));
      written.push(`${base}.pem`, `${base}-digest.bin`);
      if (key.keyDigestEfuse !== key.keyDigestSha256) {
        await writeFileAtomic(`${base}-efuse-digest.bin`, Buffer.from(key.keyDigestEfuse, 'hex'));
        written.push(`${base}-efuse-digest.bin`);
      }
    }
  }
  if (flags.json) {
    session.print(JSON.stringify({ ...record, ...(flags.out ? { written } : {}) }, null, 2));
    return EXIT_OK;
  }
  session.print(`Profile ${record.profile} (${record.scheme}), keys published ${record.publishedAt}`);
  for (const key of record.keys) {
    const efuse = key.keyDigestEfuse !== key.keyDigestSha256 ? `, eFuse ${key.keyDigestEfuse}` : '';
    session.print(`Key ${key.index} (${key.algorithm}) digest ${key.keyDigestSha256}${efuse}`);
  }
  for (const path of written) session.print(`Wrote "${path}"`);
  return EXIT_OK;
}

/** A published Secure Boot V2 digest must be the digest of the published key (else someone is confused or lying). */
function checkDigests(record: ProfilePublicKeys): void {
  if (findScheme(record.scheme)?.secureBootVersion !== 2) return;
  for (const key of record.keys) {
    const actual = publicKeyDigestV2(createPublicKey(key.publicKeyPem)).toString('hex');
    if (actual !== key.keyDigestSha256.toLowerCase()) {
      throw new FleetSignError(
        ErrorCode.KeyDigestMismatch,
        `the service published key ${key.index} of "${record.profile}" with digest ${key.keyDigestSha256}, but the key's digest is ${actual}`,
      );
    }
  }
}
