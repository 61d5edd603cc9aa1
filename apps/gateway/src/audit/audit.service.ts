import { Inject, Injectable } from '@nestjs/common';
import type { FleetSignConfig } from '@fleetsign/config';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import type { SignJobLogReceipt } from '@fleetsign/queue';
import { objectSource, type ObjectStore } from '@fleetsign/storage';
import { consistencyProof, inclusionProof, type LocatedEntry, LogLayout, LogTreeReader, MAX_LOG_OBJECT_BYTES, type StoredCheckpoint } from '@fleetsign/tlog';
import { hasScope, type Principal } from '../auth/principal';
import { FLEET_CONFIG, OBJECT_STORE } from '../core/gateway.tokens';
import type { CheckpointsPage, CheckpointView, ConsistencyView, EntriesPage, InclusionView, PublicKeyView } from '@fleetsign/api';

/** Job ids as the service hands them out (`job_…`, batch items included). */
const JOB_ID = /^job_[A-Za-z0-9_-]{1,128}$/;

/** Whose entries a caller may see: every tenant's (operator) or one tenant's (audit). */
type AuditReach = { all: true } | { all: false; tenant: string };

function reachOf(principal: Principal): AuditReach {
  if (hasScope(principal, 'operator')) return { all: true };
  if (hasScope(principal, 'audit')) return { all: false, tenant: principal.tenant };
  throw new FleetSignError(ErrorCode.Forbidden, 'This API key lacks the "audit" scope', { scope: 'audit' });
}

function mayRead(reach: AuditReach, tenant: string): boolean {
  return reach.all || reach.tenant === tenant;
}

function checkpointView(checkpoint: StoredCheckpoint): CheckpointView {
  return { origin: checkpoint.origin, size: checkpoint.size, rootHash: checkpoint.rootHash.toString('base64'), note: checkpoint.note };
}

const hex = (hashes: Buffer[]) => hashes.map((h) => h.toString('hex'));

/** The latest checkpoint as the operator console shows it. */
export interface CheckpointSummary {
  origin: string;
  size: number;
  /** Base64 Merkle root, as in the note. */
  rootHash: string;
  /** When the checkpoint object was written, when the store says. */
  writtenAt?: string;
}

/** The transparency log over HTTP, read-only, within the caller's reach. */
@Injectable()
export class AuditService {
  private readonly reader: LogTreeReader;

  constructor(
    @Inject(FLEET_CONFIG) private readonly fleet: FleetSignConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
  ) {
    this.reader = new LogTreeReader(objectSource(store, MAX_LOG_OBJECT_BYTES), new LogLayout(fleet.transparencyLog?.storePrefix ?? 'log/'));
  }

  async checkpoint(principal: Principal): Promise<CheckpointView> {
    reachOf(principal);
    const latest = await this.reader.latestCheckpoint();
    if (!latest) throw new FleetSignError(ErrorCode.NotFound, 'The transparency log has no checkpoint yet');
    return checkpointView(latest);
  }

  /**
   * The latest checkpoint's size and root for the operator console, with the time its
   * object was written (the note itself carries no time); undefined before the first.
   */
  async latestCheckpointSummary(): Promise<CheckpointSummary | undefined> {
    const latest = await this.reader.latestCheckpoint();
    if (!latest) return undefined;
    const written = await this.store.head(this.reader.layout.latestCheckpointKey).catch(() => undefined);
    return {
      origin: latest.origin,
      size: latest.size,
      rootHash: latest.rootHash.toString('base64'),
      ...(written?.lastModified ? { writtenAt: written.lastModified.toISOString() } : {}),
    };
  }

  /** Every stored checkpoint, page by page, so an online audit checks each one as an offline audit does. */
  async checkpoints(principal: Principal, after: number | undefined, limit: number): Promise<CheckpointsPage> {
    reachOf(principal);
    const sizes = (await this.reader.checkpointSizes()).filter((size) => after === undefined || size > after);
    const page = sizes.slice(0, limit);
    const checkpoints = await Promise.all(
      page.map(async (size) => {
        const stored = await this.reader.checkpointOf(size);
        if (!stored) throw new FleetSignError(ErrorCode.Internal, `The transparency log checkpoint of ${size} entries disappeared`);
        return { size, note: stored.note };
      }),
    );
    return { checkpoints, ...(sizes.length > limit ? { next: page[page.length - 1] } : {}) };
  }

  async publicKey(principal: Principal): Promise<PublicKeyView> {
    reachOf(principal);
    const publicKeyPem = await this.reader.publicKeyPem();
    if (publicKeyPem === undefined) throw new FleetSignError(ErrorCode.NotFound, 'No signer has published the log public key yet');
    const origin = this.fleet.transparencyLog?.origin;
    return { ...(origin !== undefined ? { origin } : {}), publicKeyPem };
  }

  async entries(principal: Principal, start: number, end: number): Promise<EntriesPage> {
    const reach = reachOf(principal);
    await this.reader.catchUp();
    const treeSize = this.reader.size;
    const entries = (await this.reader.entries(start, end)).filter((entry) => mayRead(reach, entry.tenant));
    return { start, end: Math.max(start, Math.min(end, treeSize)), treeSize, entries };
  }

  /** The job's entry and, when a checkpoint covers it, its inclusion proof; another tenant's job is 404. */
  async proof(principal: Principal, jobId: string): Promise<InclusionView> {
    const reach = reachOf(principal);
    // Only ids the service hands out name an object; anything else has no entry (and never reaches the store).
    const found = JOB_ID.test(jobId) ? await this.reader.findJob(jobId) : undefined;
    if (!found || !mayRead(reach, found.entry.tenant)) throw new FleetSignError(ErrorCode.NotFound, `Job ${jobId} has no entry in the transparency log`);
    return this.withProof(found);
  }

  /** `log.checkpoint` and `log.inclusionProof` of a job result: the proof against the newest checkpoint, when it covers `index`. */
  async receiptProof(index: number): Promise<{ checkpoint: CheckpointView; inclusionProof: string[] } | undefined> {
    const latest = await this.reader.latestCheckpoint();
    if (!latest || latest.size <= index) return undefined;
    await this.covering(latest);
    return { checkpoint: checkpointView(latest), inclusionProof: hex(inclusionProof(index, latest.size, this.reader.rangeHasher)) };
  }

  /**
   * A job result's receipt against the newest checkpoint once one covers it (so every GET
   * proves against the same, newest tree head); until then the signer's own (the checkpoint
   * it made with the entry's group, as the webhook carried it), when it gave one.
   */
  async completeReceipt(receipt: SignJobLogReceipt): Promise<SignJobLogReceipt> {
    const proof = await this.receiptProof(receipt.index);
    return proof ? { index: receipt.index, leafHash: receipt.leafHash, checkpoint: proof.checkpoint.note, inclusionProof: proof.inclusionProof } : receipt;
  }

  private async withProof(found: LocatedEntry): Promise<InclusionView> {
    const { entry, leafHash } = found;
    const base: InclusionView = { jobId: entry.jobId, index: entry.seq, leafHash: leafHash.toString('hex'), entry };
    const receipt = await this.receiptProof(entry.seq);
    return receipt ? { ...base, ...receipt } : base;
  }

  async consistency(principal: Principal, from: number, to: number): Promise<ConsistencyView> {
    reachOf(principal);
    await this.reader.catchUp();
    if (to > this.reader.size) {
      throw new FleetSignError(ErrorCode.NotFound, `The transparency log has ${this.reader.size} entries, fewer than ${to}`);
    }
    return { from, to, proof: hex(consistencyProof(from, to, this.reader.rangeHasher)) };
  }

  /** Makes sure the reader knows the tree of a checkpoint; a checkpoint past the groups is a broken log. */
  private async covering(checkpoint: StoredCheckpoint): Promise<void> {
    if (this.reader.size < checkpoint.size) await this.reader.catchUp();
    if (this.reader.size < checkpoint.size) {
      throw new FleetSignError(ErrorCode.Internal, `The transparency log checkpoint of ${checkpoint.size} entries is past its ${this.reader.size} entries`);
    }
  }
}
