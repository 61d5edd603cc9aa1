import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SignJobLogReceipt } from '@fleetsign/queue';
import { objectSource, type ObjectStore } from '@fleetsign/storage';
import { inclusionProof, type LogLayout, LogTreeReader, MAX_LOG_OBJECT_BYTES, parseCheckpoint } from '@fleetsign/tlog';
import type { Checkpointer } from '../transparency-log/checkpointer';

/** Completes a receipt with the inclusion proof against the batch's checkpoint. */
export type ReceiptProver = (receipt: SignJobLogReceipt) => SignJobLogReceipt;

/**
 * Inclusion proofs for a batch manifest. When a batch ends, every item's entry is durable,
 * so one checkpoint made then covers them all: each succeeded item's `log` receipt gets that
 * checkpoint and its proof against it, and the manifest is verifiable on its own, item by
 * item, with no further request. The proofs come from a tree reader that keeps every
 * subtree hash (64 bytes per entry); it reads each log group once in the life of the
 * signer (the first batch after a start reads them all), then only new ones.
 */
export class BatchLogProofs {
  private readonly tree: LogTreeReader;

  constructor(
    private readonly checkpointer: Pick<Checkpointer, 'checkpointNow'>,
    store: ObjectStore,
    layout: LogLayout,
  ) {
    this.tree = new LogTreeReader(objectSource(store, MAX_LOG_OBJECT_BYTES), layout);
  }

  /** Makes (or finds) the checkpoint covering the log now and returns the prover against it; throws when none can be had (the batch job retries). */
  async prover(): Promise<ReceiptProver> {
    const signed = await this.checkpointer.checkpointNow();
    const bodyEnd = signed.note.indexOf('\n\n');
    const { rootHash, size } = parseCheckpoint(bodyEnd < 0 ? signed.note : signed.note.slice(0, bodyEnd + 1));
    await this.tree.catchUp();
    if (this.tree.size < size) {
      throw new FleetSignError(ErrorCode.Internal, `the transparency log checkpoint of ${size} entries is past the ${this.tree.size} entries of the log`);
    }
    const hasher = this.tree.rangeHasher;
    // Never hand out proofs against a checkpoint the stored entries do not give.
    if (!hasher(0, size).equals(rootHash)) {
      throw new FleetSignError(ErrorCode.Internal, `the transparency log checkpoint of ${size} entries does not match the stored entries`);
    }
    return (receipt) => {
      if (receipt.index >= size) return receipt;
      const proof = inclusionProof(receipt.index, size, hasher).map((h) => h.toString('hex'));
      return { index: receipt.index, leafHash: receipt.leafHash, checkpoint: signed.note, inclusionProof: proof };
    };
  }
}
