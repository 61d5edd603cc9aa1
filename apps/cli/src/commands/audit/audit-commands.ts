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
import { ClientExit, EXIT_ITEMS_FAILED } from '../../client/client-exit';
import { type OfflineLogFlags, openOfflineLog, readUserFile } from './offline-log';

/** Exit code when the log (or a proof) does not verify. */
const EXIT_NOT_VERIFIED = EXIT_ITEMS_FAILED;

function withOfflineOptions(command: Command): Command {
  return command
    .requiredOption('--store-dir <dir>', 'folder of an fs object store holding the log (FLEETSIGN_FS_ROOT)')
    .option('--log-prefix <prefix>', "folder of the log in the store (transparency_log.store_prefix)", 'log/')
    .option('--log-key <pem>', "the log's public key (default: the one published in the store)")
    .option('--origin <origin>', "the log's origin (default: that of the newest checkpoint in the store)");
}

/** Prints one line on stderr and ends the command with exit code 1. */
function notVerified(context: CommandContext, reason: string): never {
  context.io.stderr(`audit: ${reason}\n`);
  throw new ClientExit(EXIT_NOT_VERIFIED);
}

/** `audit verify`: recomputes the whole log, checks every checkpoint, and optionally that it extends a trusted one. */
async function verify(context: CommandContext, flags: OfflineLogFlags & { trustedCheckpoint?: string }): Promise<void> {
  const log = await openOfflineLog(flags);
  const trustedCheckpoint = flags.trustedCheckpoint ? await readUserFile(flags.trustedCheckpoint, 'the trusted checkpoint') : undefined;
  const verdict = await verifyLog(log.objects, { origin: log.origin, publicKey: log.publicKey, ...(trustedCheckpoint !== undefined ? { trustedCheckpoint } : {}) }, log.layout);
  if (!verdict.ok) notVerified(context, verdict.reason);
  const extension = trustedCheckpoint !== undefined ? '; extends the trusted checkpoint' : '';
  context.print(`ok: ${verdict.size} entries, root ${verdict.rootHash.toString('base64')}, ${verdict.checkpoints} checkpoints verified${extension}`);
}

/** `audit checkpoint`: the newest checkpoint, after checking its signature. */
async function checkpoint(context: CommandContext, flags: OfflineLogFlags & { out?: string }): Promise<void> {
  const log = await openOfflineLog(flags);
  if (log.latestCheckpoint === undefined) notVerified(context, 'the log has no checkpoint yet');
  try {
    openCheckpoint(log.latestCheckpoint, { origin: log.origin, publicKey: log.publicKey });
  } catch (err) {
    notVerified(context, `the newest checkpoint does not verify: ${(err as Error).message}`);
  }
  if (flags.out) await writeFile(flags.out, log.latestCheckpoint, { mode: 0o644 });
  else context.io.stdout(log.latestCheckpoint);
}

/** `audit prove JOB_ID`: the job's entry and its inclusion proof in a checkpoint, verified. */
async function prove(context: CommandContext, jobId: string, flags: OfflineLogFlags & { checkpoint?: string }): Promise<void> {
  const log = await openOfflineLog(flags);
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

/** `fleetsign audit verify | checkpoint | prove`, over a log in an fs object store folder. */
export const registerAudit: CommandRegistration = (program, context) => {
  const audit = program.command('audit').description('Verify the FleetSign transparency log (offline, over an fs object store folder).');
  withOfflineOptions(
    audit
      .command('verify')
      .description('Recompute the log from all entries, check every entry sequence and checkpoint signature; exit 1 with the reason when something does not hold.')
      .option('--trusted-checkpoint <file>', 'a checkpoint saved earlier: also prove the log is an append-only extension of it'),
  ).action((flags: OfflineLogFlags & { trustedCheckpoint?: string }) => verify(context, flags));
  withOfflineOptions(
    audit.command('checkpoint').description('Print (or --out FILE) the newest signed checkpoint, after checking its signature.').option('-o, --out <file>', 'write the checkpoint here'),
  ).action((flags: OfflineLogFlags & { out?: string }) => checkpoint(context, flags));
  withOfflineOptions(
    audit
      .command('prove')
      .description("Prove a job's entry is in a checkpoint (default: the newest).")
      .argument('<jobId>', 'the job id')
      .option('--checkpoint <file>', 'a checkpoint saved earlier'),
  ).action((jobId: string, flags: OfflineLogFlags & { checkpoint?: string }) => {
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(jobId)) throw new FleetSignError(ErrorCode.InvalidArgument, `"${jobId}" is not a job id`);
    return prove(context, jobId, flags);
  });
};
