import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { appendedRangeHasher, CompactRange, entryLeafHash, inclusionProof, type LogEntry, type LogGroup, type UnsequencedEntry } from '@fleetsign/tlog';
import type { AppendLease } from './append-lease';
import type { LogHeadCache } from './log-head-cache';
import type { LoggedEntry, LogStore } from './log-store';

/** Entries appended in one group commit, at most. */
export const LOG_GROUP_MAX = 128;

/** A signed checkpoint: its tree size and the C2SP signed note. */
export interface SignedTree {
  size: number;
  note: string;
}

/** Signs checkpoints of given trees (the Checkpointer). */
export interface TreeSigner {
  signTree(range: CompactRange): Promise<SignedTree>;
}

/** Options of one append. */
export interface AppendOptions {
  /**
   * Sign a checkpoint of the tree right after the entry's group and hand back the entry's
   * inclusion proof against it (release jobs: their result and webhook then carry a proof
   * at once). Costs one log-key signature and two small store writes per such group.
   */
  prove?: boolean;
}

/** An append waiting for its group commit. */
interface PendingAppend {
  entry: UnsequencedEntry;
  prove: boolean;
  done(logged: LoggedEntry): void;
  fail(err: unknown): void;
}

/**
 * The signer's side of the transparency log. Appends are queued and committed in groups:
 * one create-only object per group at the position where the log ends. Two signers that
 * race for the same position both try to create the same object; the loser reads the
 * winner's group, takes over the entries of its own jobs found there (an earlier attempt
 * that died after writing), and retries after it. A group is one object, so a signer killed
 * at any point leaves either the whole group or nothing: the log never has a hole.
 * Redis only caches where the log ends; without it the end is found in the store.
 */
export class TransparencyLog {
  private readonly pending: PendingAppend[] = [];
  private committing = false;
  /** Where this signer last saw the log end. */
  private known?: CompactRange;
  private readonly groupListeners = new Set<(entries: number) => void>();
  private treeSigner?: TreeSigner;
  /**
   * Entries whose group is durable but whose job pointers are still being written, by job
   * id, so `find` and a twin attempt in this process see them at once.
   */
  private readonly unpointed = new Map<string, LoggedEntry>();
  /** The pointer writes of this signer's groups, in group order; the Redis head moves only behind them. */
  private pointers: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LogStore,
    private readonly cache: LogHeadCache,
    private readonly lease: Pick<AppendLease, 'hold'>,
    private readonly maxAttempts = 1000,
  ) {}

  /** The job's entry, when the log has one. */
  async find(jobId: string): Promise<LoggedEntry | undefined> {
    return this.unpointed.get(jobId) ?? this.store.findJob(jobId);
  }

  /** Gives every entry its revocation status pointers once (see LogStore.completeDigestIndex); the entries reindexed. */
  completeDigestIndex(): Promise<number> {
    return this.store.completeDigestIndex();
  }

  /** Where the log ends now (size and compact range), from Redis or, when Redis lost it, from the store. */
  async head(): Promise<CompactRange> {
    // Redis away: the store still says where the log ends.
    const cached = await this.cache.get().catch(() => undefined);
    const known = this.known;
    if (cached && (!known || cached.size >= known.size)) return cached;
    if (known) return known.clone();
    return this.rebuildHead();
  }

  /** Calls `listener` with the entry count of every group this signer writes; returns the unsubscribe. */
  onGroupWritten(listener: (entries: number) => void): () => void {
    this.groupListeners.add(listener);
    return () => this.groupListeners.delete(listener);
  }

  /** Lets appends with `prove` get a checkpoint and proof (without one they get neither). */
  useCheckpoints(signer: TreeSigner): void {
    this.treeSigner = signer;
  }

  /** Appends the entry of one signing and resolves once its group is durable in the store. */
  append(entry: UnsequencedEntry, options: AppendOptions = {}): Promise<LoggedEntry> {
    return new Promise<LoggedEntry>((done, fail) => {
      this.pending.push({ entry, prove: options.prove === true, done, fail });
      if (!this.committing) void this.commitPending();
    });
  }

  /** Finds the end of the log in the store (the group with the highest start) and caches it. */
  private async rebuildHead(): Promise<CompactRange> {
    const last = await this.store.lastGroup();
    if (!last) return CompactRange.empty();
    // A signer killed after creating this group may not have written its job pointers.
    await this.store.writeJobPointers(last);
    await this.cache.advance(last.rangeAfter);
    return last.rangeAfter.clone();
  }

  /** Commits queued appends group by group until none is left; one group at a time keeps this signer's entries in order. */
  private async commitPending(): Promise<void> {
    this.committing = true;
    try {
      while (this.pending.length > 0) await this.commitGroup(this.pending.splice(0, LOG_GROUP_MAX));
    } finally {
      this.committing = false;
    }
  }

  private async commitGroup(group: PendingAppend[]): Promise<void> {
    const pending = { items: group };
    let written: WrittenGroup | undefined;
    try {
      written = await this.lease.hold(() => this.writeGroup(pending));
    } catch (err) {
      // The store or Redis is away, or the log is damaged: find the end afresh next time.
      this.known = undefined;
      for (const item of pending.items) item.fail(err);
      return;
    }
    if (written) this.finishGroup(written);
  }

  /**
   * Writes the job pointers of a durable group outside the lease, so the next group commit
   * need not wait for them: the lease covers only the group object. Pointers are written in
   * group order; only behind them does the Redis head move (other signers, and this one after
   * a failure, take the head from there, and every group before it has its pointers, which is
   * what lets an appender trust a missing pointer). A signer killed meanwhile leaves the Redis
   * head before the group: the next appender finds the group at that position and writes its
   * pointers, as for a group left by a killed signer. The jobs resolve once their pointers are
   * durable, so `GET /v1/audit/proofs/:jobId` finds every job that was reported succeeded.
   */
  private finishGroup({ group, logged, items, before }: WrittenGroup): void {
    for (const l of logged) this.unpointed.set(l.entry.jobId, l);
    // A release job's checkpoint is signed outside the lease too, alongside the pointers: the group is durable.
    const proven = items.some((item) => item.prove) ? this.prove(before, logged, group.rangeAfter) : Promise.resolve();
    const write = Promise.all([this.store.writeJobPointers(group), proven]);
    this.pointers = this.pointers.then(async () => {
      try {
        await write;
      } catch (err) {
        // The pointers may be missing: forget the local head, so the next commit starts from the
        // Redis head (before this group) and writes them when it finds the group there.
        this.known = undefined;
        for (const l of logged) this.unpointed.delete(l.entry.jobId);
        items.forEach((item) => item.fail(err));
        return;
      }
      // The cache is only a hint (a stale one costs a read of the next group); the group is durable already.
      await this.cache.advance(group.rangeAfter).catch(() => undefined);
      for (const l of logged) this.unpointed.delete(l.entry.jobId);
      items.forEach((item, i) => item.done(logged[i]));
    });
  }

  /** Appends `pending.items` where the log ends, taking resolved items out as it goes; returns the group it wrote, whose pointers are still to write. */
  private async writeGroup(pending: { items: PendingAppend[] }): Promise<WrittenGroup | undefined> {
    // Finding the end first also writes the job pointers of a group a killed signer left.
    let head = await this.head();
    // Another attempt of the same job (a stalled job run twice) may have logged it already:
    // under the lease every group before `head` has its job pointers, so the pointer tells.
    pending.items = await this.takeOverEarlierEntries(pending.items);
    for (let attempt = 0; pending.items.length > 0; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new FleetSignError(ErrorCode.Internal, `transparency log end kept moving; ${pending.items.length} entr(ies) not appended after ${this.maxAttempts} tries`);
      }
      const built = buildGroup(pending.items, head);
      if (await this.store.createGroup(built.group)) {
        const before = head;
        head = built.group.rangeAfter;
        if (!this.known || head.size > this.known.size) this.known = head.clone();
        const items = pending.items;
        pending.items = [];
        for (const listener of this.groupListeners) listener(built.logged.length);
        return { group: built.group, logged: built.logged, items, before };
      }
      // Another signer (or an attempt that died) wrote the group at this position first.
      const theirs = await this.store.readGroup(head.size);
      if (!theirs) throw new FleetSignError(ErrorCode.Internal, `transparency log group at ${head.size} exists but cannot be read back`);
      await this.store.writeJobPointers(theirs);
      pending.items = takeOverLoggedJobs(pending.items, theirs);
      head = theirs.rangeAfter;
      this.advance(head);
    }
  }

  /**
   * Signs a checkpoint of the tree that ends with this group and adds each entry's inclusion
   * proof against it; the group is durable already, so a failure here only leaves the
   * entries without a proof (the gateway proves them once a later checkpoint covers them).
   */
  private async prove(before: CompactRange, logged: LoggedEntry[], after: CompactRange): Promise<void> {
    if (!this.treeSigner) return;
    let signed: SignedTree;
    try {
      signed = await this.treeSigner.signTree(after);
    } catch {
      return;
    }
    const hasher = appendedRangeHasher(before, logged.map((l) => l.leafHash));
    for (const l of logged) {
      l.checkpoint = signed.note;
      l.inclusionProof = inclusionProof(l.entry.seq, after.size, hasher);
    }
  }

  /** Resolves the items whose job already has an entry (or a twin earlier in `items`); returns the rest. */
  private async takeOverEarlierEntries(items: PendingAppend[]): Promise<PendingAppend[]> {
    const earlier = await Promise.all(items.map((item) => this.find(item.entry.jobId)));
    const firstOfJob = new Map<string, PendingAppend>();
    const rest: PendingAppend[] = [];
    items.forEach((item, i) => {
      const logged = earlier[i];
      if (logged) return item.done(logged);
      const twin = firstOfJob.get(item.entry.jobId);
      if (!twin) {
        firstOfJob.set(item.entry.jobId, item);
        rest.push(item);
        return;
      }
      // The same job twice in one group: the second gets what the first gets.
      const { done: twinDone, fail: twinFail } = twin;
      twin.done = (l) => (twinDone(l), item.done(l));
      twin.fail = (err) => (twinFail(err), item.fail(err));
    });
    return rest;
  }

  private advance(head: CompactRange): void {
    if (!this.known || head.size > this.known.size) this.known = head.clone();
    // Behind the pointer writes of this signer's own earlier groups (see finishGroup); the cache is only a hint.
    const range = head.clone();
    this.pointers = this.pointers.then(() => this.cache.advance(range).catch(() => undefined));
  }
}

/** A group this signer created, with the appends it holds (resolved once its pointers are written). */
interface WrittenGroup {
  group: LogGroup;
  logged: LoggedEntry[];
  items: PendingAppend[];
  /** The range the group starts at. */
  before: CompactRange;
}

/** Places the pending entries after `head`: sequence numbers, leaf hashes and the range after them. */
function buildGroup(items: PendingAppend[], head: CompactRange): { group: LogGroup; logged: LoggedEntry[] } {
  const range = head.clone();
  const logged = items.map((item, i) => {
    const entry: LogEntry = { ...item.entry, seq: head.size + i };
    const leafHash = entryLeafHash(entry);
    range.append(leafHash);
    return { entry, leafHash };
  });
  return { group: { start: head.size, entries: logged.map((l) => l.entry), rangeAfter: range, rangeBefore: head.clone() }, logged };
}

/** Resolves the pending appends whose job already has an entry in `group`; returns the others. */
function takeOverLoggedJobs(items: PendingAppend[], group: LogGroup): PendingAppend[] {
  const byJob = new Map(group.entries.map((entry) => [entry.jobId, entry]));
  return items.filter((item) => {
    const entry = byJob.get(item.entry.jobId);
    if (!entry) return true;
    item.done({ entry, leafHash: entryLeafHash(entry) });
    return false;
  });
}
