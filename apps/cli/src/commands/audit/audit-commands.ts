import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import {
  entryLeafHash,
  inclusionProof,
  leafRangeHasher,
  openCheckpoint,
  verifyInclusion,
  verifyLog,
} from '@fleetsign/tlog';
import type { CommandContext, CommandRegistration } from '../../command-context';
import { ClientExit, EXIT_OK } from '../../client/client-exit';
import type { ClientRuntime } from '../../client/client-runtime';
import { openSession } from '../../client/client-session';
import type { ConnectionFlags } from '../../client/connection';
import { runClientCommand } from '../../client/run-client-command';
import { withConnectionOptions } from '../client/client-options';
import { type AuditedLog, type OfflineLogFlags, openOfflineLog, readUserFile } from './offline-log';
import { EXIT_NOT_VERIFIED, notVerified } from './audit-verdict';
import { LogNotVerified, openOnlineLog } from './online-log';
import { proveOnline } from './prove-online';

/** Options of every `audit` subcommand: an fs store folder (offline) or the service (online). */
type AuditFlags = Partial<OfflineLogFlags> & ConnectionFlags & { logPrefix: string };

function withLogOptions(command: Command): Command {
  return withConnectionOptions(
    command
      .option('--store-dir <dir>', 'read the log offline from this fs object store folder (FLEETSIGN_FS_ROOT); default: online from the service')
      .option('--log-prefix <prefix>', 'folder of the log in the store (transparency_log.store_prefix; offline only)', 'log/')
      .option('--log-key <pem>', "the log's public key (default: the one the store or the service publishes)")
      .option('--origin <origin>', "the log's origin (default: that of the newest checkpoint)"),
  );
}

/** `audit verify`: recomputes the whole log, checks every checkpoint, and optionally that it extends a trusted one. */
async function verify(context: CommandContext, log: AuditedLog, flags: { trustedCheckpoint?: string }): Promise<void> {
  const trustedCheckpoint = flags.trustedCheckpoint ? await readUserFile(flags.trustedCheckpoint, 'the trusted checkpoint') : undefined;
  const verdict = await verifyLog(log.objects, { origin: log.origin, publicKey: log.publicKey, ...(trustedCheckpoint !== undefined ? { trustedCheckpoint } : {}) }, log.layout);
  if (!verdict.ok) notVerified(context, verdict.reason);
  const extension = trustedCheckpoint !== undefined ? '; extends the trusted checkpoint' : '';
  context.print(`ok: ${verdict.size} entries, root ${verdict.rootHash.toString('base64')}, ${verdict.checkpoints} checkpoints verified${extension}`);
}

/** `audit checkpoint`: the newest checkpoint, after checking its signature. */
async function checkpoint(context: CommandContext, log: AuditedLog, flags: { out?: string }): Promise<void> {
  if (log.latestCheckpoint === undefined) notVerified(context, 'the log has no checkpoint yet');
  try {
    openCheckpoint(log.latestCheckpoint, { origin: log.origin, publicKey: log.publicKey });
  } catch (err) {
    notVerified(context, `the newest checkpoint does not verify: ${(err as Error).message}`);
  }
  if (flags.out) await writeFile(flags.out, log.latestCheckpoint, { mode: 0o644 });
  else context.io.stdout(log.latestCheckpoint);
}

/** `audit prove JOB_ID` offline: the job's entry and its inclusion proof in a checkpoint, verified. */
async function prove(context: CommandContext, log: AuditedLog, jobId: string, flags: { checkpoint?: string }): Promise<void> {
  const note = flags.checkpoint ? await readUserFile(flags.checkpoint, 'the checkpoint') : log.latestCheckpoint;
  if (note === undefined) notVerified(context, 'the log has no checkpoint yet; pass --checkpoint FILE');
  let tree;
  try {
    tree = openCheckpoint(note, { origin: log.origin, publicKey: log.publicKey });
  } catch (err) {
    notVerified(context, `the checkpoint does not verify: ${(err as Error).message}`);
  }
  const verdict = await verifyLog(log.objects, undefined, log.layout);
  if (!verdict.ok) notVerified(context, verdict.reason);
  const entry = verdict.entries.find((e) => e.jobId === jobId);
  if (!entry) notVerified(context, `job ${jobId} has no entry in the log`);
  if (entry.seq >= tree.size) notVerified(context, `job ${jobId} (entry ${entry.seq}) is not covered by the checkpoint of ${tree.size} entries`);
  const leaves = verdict.entries.slice(0, tree.size).map(entryLeafHash);
  const proof = inclusionProof(entry.seq, tree.size, leafRangeHasher(leaves));
  if (!verifyInclusion(leaves[entry.seq], entry.seq, tree.size, proof, tree.rootHash)) {
    notVerified(context, `job ${jobId} is not included in the checkpoint of ${tree.size} entries`);
  }
  context.print(
    JSON.stringify({ jobId, index: entry.seq, leafHash: leaves[entry.seq].toString('hex'), treeSize: tree.size, inclusionProof: proof.map((h) => h.toString('hex')), entry }),
  );
}

/**
 * Runs a subcommand over the log of `--store-dir`, or online through the service with
 * the client's connection (FLEETSIGN_URL / FLEETSIGN_API_KEY); exit 1 when something
 * does not verify, 2 when the log cannot be read.
 */
function runAudit(
  context: CommandContext,
  runtime: ClientRuntime,
  flags: AuditFlags,
  body: (log: AuditedLog) => Promise<void>,
  online?: (session: ReturnType<typeof openSession>) => Promise<void>,
): Promise<void> {
  if (flags.storeDir !== undefined) {
    return openOfflineLog({ ...flags, storeDir: flags.storeDir }).then(body);
  }
  return runClientCommand(context, runtime, async (call) => {
    try {
      const session = openSession(flags, context, runtime, call);
      if (online) await online(session);
      else await body(await openOnlineLog(session.api, flags));
      return EXIT_OK;
    } catch (err) {
      if (err instanceof LogNotVerified) {
        context.io.stderr(`audit: ${err.message}\n`);
        return EXIT_NOT_VERIFIED;
      }
      if (err instanceof ClientExit) return err.exitCode;
      throw err;
    }
  });
}

/** `fleetsign audit verify | checkpoint | prove`, offline over an fs store folder or online through the service. */
export function auditCommand(runtime: ClientRuntime = {}): CommandRegistration {
  return (program, context) => {
    const audit = program
      .command('audit')
      .description('Verify the FleetSign transparency log (online through the service, or offline with --store-dir over an fs object store folder).');
    withLogOptions(
      audit
        .command('verify')
        .description('Recompute the log from all entries, check every entry sequence and checkpoint signature; exit 1 with the reason when something does not hold (online: needs the operator scope).')
        .option('--trusted-checkpoint <file>', 'a checkpoint saved earlier: also prove the log is an append-only extension of it'),
    ).action((flags: AuditFlags & { trustedCheckpoint?: string }) => runAudit(context, runtime, flags, (log) => verify(context, log, flags)));
    withLogOptions(
      audit.command('checkpoint').description('Print (or --out FILE) the newest signed checkpoint, after checking its signature.').option('-o, --out <file>', 'write the checkpoint here'),
    ).action((flags: AuditFlags & { out?: string }) =>
      runAudit(context, runtime, flags, (log) => checkpoint(context, log, flags), async (session) => {
        // The checkpoint alone: no entries need reading.
        await checkpoint(context, await openOnlineLog(session.api, flags, { entries: false }), flags);
      }),
    );
    withLogOptions(
      audit
        .command('prove')
        .description("Prove a job's entry is in a checkpoint (default: the newest).")
        .argument('<jobId>', 'the job id')
        .option('--checkpoint <file>', 'a checkpoint saved earlier'),
    ).action((jobId: string, flags: AuditFlags & { checkpoint?: string }) => {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(jobId)) throw new FleetSignError(ErrorCode.InvalidArgument, `"${jobId}" is not a job id`);
      return runAudit(context, runtime, flags, (log) => prove(context, log, jobId, flags), (session) => proveOnline(context, session.api, jobId, flags));
    });
  };
}

/** The audit commands as the `fleetsign` binary runs them. */
export const registerAudit: CommandRegistration = auditCommand();
