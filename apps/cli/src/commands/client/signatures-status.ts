import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { CommandRegistration } from '../../command-context';
import { EXIT_ITEMS_FAILED, EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { type ClientSession, openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import type { SignatureStatus } from '@fleetsign/api';
import { runClientCommand } from '../../client/run-client-command';
import { toIoError } from '@fleetsign/errors';
import { withConnectionOptions } from './client-options';

/** Parsed options of `signatures status`. */
export interface SignatureStatusFlags extends ConnectionFlags {
  json?: boolean;
}

const SHA256 = /^[0-9a-fA-F]{64}$/;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw toIoError(err, 'read', path);
  }
  return hash.digest('hex');
}

/**
 * `signatures status SHA256|FILE`: may this signed file be published? Exit 0 when
 * FleetSign signed it and no key or profile of those signings is revoked now; 1 when one
 * is revoked, or when no signing the API key may see produced it; 2 when the service
 * cannot answer.
 */
export function signaturesCommand(runtime: ClientRuntime): CommandRegistration {
  return (program, context) => {
    const signatures = program.command('signatures').description('Revocation status of signed files (ask before publishing an OTA update).');
    const command = signatures
      .command('status')
      .description('Which jobs produced a signed file or image, and whether a key or profile of theirs is revoked now; exit 1 when revoked or unknown.')
      .argument('<sha256-or-file>', 'hex SHA-256 of the signed file or image, or the signed file itself')
      .option('--json', "print the service's answer as JSON");
    withConnectionOptions(command).action((subject: string, flags: SignatureStatusFlags) =>
      runClientCommand(context, runtime, (call) => signatureStatus(subject, flags, openSession(flags, context, runtime, call))),
    );
  };
}

export async function signatureStatus(subject: string, flags: SignatureStatusFlags, session: ClientSession): Promise<number> {
  const sha256 = SHA256.test(subject) ? subject.toLowerCase() : await sha256OfFile(subject);
  if (!SHA256.test(sha256)) throw new FleetSignError(ErrorCode.InvalidArgument, `"${subject}" is neither a SHA-256 nor a file`);
  const status = await session.api.signatureStatus(sha256);
  if (flags.json) session.print(JSON.stringify(status, null, 2));
  else printStatus(status, session);
  return status.revoked || status.jobs.length === 0 ? EXIT_ITEMS_FAILED : EXIT_OK;
}

function printStatus(status: SignatureStatus, session: ClientSession): void {
  if (status.jobs.length === 0) {
    session.print(`${status.sha256}: no signing known to FleetSign (for this API key) produced it`);
    return;
  }
  for (const job of status.jobs) {
    const profileState = job.profileRevokedAt ? `${job.profileState} (revoked_at ${job.profileRevokedAt})` : job.profileState;
    session.print(`Job ${job.jobId} (${job.tenant}), profile ${job.profile}: ${profileState}; signed ${job.signedAt}, log index ${job.logIndex}`);
    for (const key of job.keys) {
      const at = key.revokedAt ? ` (revoked_at ${key.revokedAt})` : '';
      session.print(`  Key ${key.index} ${key.keyDigestSha256}: ${key.state}${at}`);
    }
  }
  const more = status.truncated ? ' (more signings than listed)' : '';
  session.print(status.revoked ? `REVOKED since ${status.revokedAt ?? 'an unknown time'}: do not publish${more}` : `Not revoked${more}`);
}
