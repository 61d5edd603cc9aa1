import { FleetSignError } from '@fleetsign/errors';
import { entryLeafHash, logEntrySchema, openCheckpoint, verifyConsistency, verifyInclusion } from '@fleetsign/tlog';
import type { CommandContext } from '../../command-context';
import type { FleetSignApi } from '@fleetsign/api';
import { notVerified } from './audit-verdict';
import { parseLogPublicKey, readUserFile } from './offline-log';

const hashes = (hex: readonly string[]) => hex.map((h) => Buffer.from(h, 'hex'));

/**
 * `audit prove JOB_ID` online: the service's entry and inclusion proof (O(log n) hashes,
 * an `audit` key suffices), checked here against the newest checkpoint's signature; with
 * `--checkpoint FILE` that checkpoint must also be extended by the newest one.
 */
export async function proveOnline(
  context: CommandContext,
  api: FleetSignApi,
  jobId: string,
  flags: { logKey?: string; origin?: string; checkpoint?: string },
): Promise<void> {
  const keyView = flags.logKey ? undefined : await api.auditPublicKey();
  const publicKey = parseLogPublicKey(flags.logKey ? await readUserFile(flags.logKey, 'the log key') : (keyView?.publicKeyPem ?? ''));
  const answer = await api.auditProof(jobId);
  if (!answer.checkpoint || !answer.inclusionProof) notVerified(context, `job ${jobId} (entry ${answer.index}) is not covered by a checkpoint yet`);
  const origin = flags.origin ?? keyView?.origin ?? answer.checkpoint.origin;
  let tree;
  try {
    tree = openCheckpoint(answer.checkpoint.note, { origin, publicKey });
  } catch (err) {
    notVerified(context, `the service's checkpoint does not verify: ${(err as Error).message}`);
  }
  const parsed = logEntrySchema.safeParse(answer.entry);
  if (!parsed.success || parsed.data.jobId !== jobId || parsed.data.seq !== answer.index) notVerified(context, `the service's entry for job ${jobId} is malformed`);
  const leaf = entryLeafHash(parsed.data);
  if (!verifyInclusion(leaf, answer.index, tree.size, hashes(answer.inclusionProof), tree.rootHash)) {
    notVerified(context, `job ${jobId} is not included in the checkpoint of ${tree.size} entries`);
  }
  if (flags.checkpoint) {
    let trusted;
    try {
      trusted = openCheckpoint(await readUserFile(flags.checkpoint, 'the checkpoint'), { origin, publicKey });
    } catch (err) {
      if (err instanceof FleetSignError) throw err;
      notVerified(context, `the checkpoint does not verify: ${(err as Error).message}`);
    }
    if (trusted.size > tree.size) notVerified(context, `the service's newest checkpoint (${tree.size} entries) is older than yours (${trusted.size}): the log was rolled back`);
    const consistency = await api.auditConsistency(trusted.size, tree.size);
    if (!verifyConsistency(trusted.size, tree.size, hashes(consistency.proof), trusted.rootHash, tree.rootHash)) {
      notVerified(context, `the log is not an extension of your checkpoint of ${trusted.size} entries`);
    }
  }
  context.print(
    JSON.stringify({ jobId, index: answer.index, leafHash: leaf.toString('hex'), treeSize: tree.size, inclusionProof: answer.inclusionProof, entry: parsed.data }),
  );
}
