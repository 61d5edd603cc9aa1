import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { CompactRange } from './compact-range';
import { entryLeafHash, type LogEntry } from './log-entry';
import { decodeLogGroup, decodeLogJobPointer, type LogGroup, type LogLayout } from './log-layout';
import { MerkleLevels } from './merkle-levels';
import { parseCheckpoint } from './checkpoint';
import type { LogObjects } from './verify-log';

/** A signed checkpoint as stored, with its parsed body (the signature is for the client to check). */
export interface StoredCheckpoint {
  note: string;
  size: number;
  rootHash: Buffer;
  origin: string;
}

/** An entry of the log with its leaf hash. */
export interface LocatedEntry {
  entry: LogEntry;
  leafHash: Buffer;
}

/**
 * A read-only view of the log in the object store (the gateway's audit routes, the signer's
 * batch manifests). Groups are create-only, so
 * what was read once stays true: the reader keeps every subtree hash (MerkleLevels) and the
 * start of every group, and on each request only looks for the group after the last one it
 * knows (one object read when nothing was appended). Proofs then need no entry reads at all.
 */
export class LogTreeReader {
  private readonly tree = new MerkleLevels();
  /** The right edge of the same tree, to check each group's stored range cheaply. */
  private range = CompactRange.empty();
  private readonly groupStarts: number[] = [];
  private catchingUp?: Promise<void>;

  /** `objects.read`: an object's bytes (bounded by the caller), undefined when the key holds none. */
  constructor(
    private readonly objects: LogObjects,
    readonly layout: LogLayout,
  ) {}

  /** Leaves known so far (call `catchUp` first for the current size). */
  get size(): number {
    return this.tree.size;
  }

  get rangeHasher() {
    return this.tree.rangeHasher();
  }

  /** Reads the groups appended since the last call; concurrent callers share one pass. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readNewGroups().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  private async readNewGroups(): Promise<void> {
    for (;;) {
      const group = await this.readGroup(this.tree.size);
      if (!group) return;
      // Checked before the tree takes the leaves, so a corrupt group never enters the cache.
      const leaves = group.entries.map(entryLeafHash);
      const after = this.range.clone();
      for (const leaf of leaves) after.append(leaf);
      if (!group.rangeAfter.root().equals(after.root())) {
        throw new FleetSignError(ErrorCode.Internal, `transparency log group at ${group.start} does not match its entries`);
      }
      for (const leaf of leaves) this.tree.append(leaf);
      this.range = after;
      this.groupStarts.push(group.start);
    }
  }

  /** The group starting at `start`; undefined when none does. */
  private async readGroup(start: number): Promise<LogGroup | undefined> {
    const key = this.layout.groupKey(start);
    const data = await this.objects.read(key);
    if (!data) return undefined;
    try {
      const group = decodeLogGroup(data);
      if (group.start !== start) throw new Error(`it says it starts at ${group.start}`);
      return group;
    } catch (err) {
      throw new FleetSignError(ErrorCode.Internal, `transparency log object ${key} is corrupt: ${(err as Error).message}`);
    }
  }

  /** Entries [start, end) of the known log (end clamped to its size): reads only the groups that hold them. */
  async entries(start: number, end: number): Promise<LogEntry[]> {
    const stop = Math.min(end, this.tree.size);
    const entries: LogEntry[] = [];
    let i = this.groupIndexOf(start);
    while (i >= 0 && i < this.groupStarts.length && this.groupStarts[i] < stop) {
      const group = await this.readGroup(this.groupStarts[i]);
      if (!group) throw new FleetSignError(ErrorCode.Internal, `transparency log group at ${this.groupStarts[i]} disappeared`);
      entries.push(...group.entries.filter((entry) => entry.seq >= start && entry.seq < stop));
      i++;
    }
    return entries;
  }

  /** Index in groupStarts of the group holding leaf `seq` (binary search); -1 past the end. */
  private groupIndexOf(seq: number): number {
    if (seq >= this.tree.size) return -1;
    let lo = 0;
    let hi = this.groupStarts.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.groupStarts[mid] <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The entry a stored pointer (a job's or a digest's) leads to; undefined when the pointer or its group is missing. */
  async entryAtPointer(key: string): Promise<LocatedEntry | undefined> {
    const pointerData = await this.objects.read(key);
    if (!pointerData) return undefined;
    const pointer = decodeLogJobPointer(pointerData);
    const group = await this.readGroup(pointer.group);
    const entry = group?.entries[pointer.seq - pointer.group];
    if (!entry || entry.seq !== pointer.seq) throw new FleetSignError(ErrorCode.Internal, `transparency log pointer ${key} does not lead to an entry`);
    return { entry, leafHash: entryLeafHash(entry) };
  }

  /** The entry of job `jobId` through its pointer object (two reads); undefined when the log has none. */
  async findJob(jobId: string): Promise<LocatedEntry | undefined> {
    const pointerData = await this.objects.read(this.layout.jobKey(jobId));
    if (!pointerData) return undefined;
    const pointer = decodeLogJobPointer(pointerData);
    const group = await this.readGroup(pointer.group);
    const entry = group?.entries[pointer.seq - pointer.group];
    if (!entry || entry.jobId !== jobId) {
      throw new FleetSignError(ErrorCode.Internal, `transparency log pointer of job ${jobId} does not lead to its entry`);
    }
    return { entry, leafHash: entryLeafHash(entry) };
  }

  /** The newest checkpoint, when one was written. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.readCheckpoint(this.layout.latestCheckpointKey);
  }

  /** The checkpoint of `size` entries, when one was written. */
  checkpointOf(size: number): Promise<StoredCheckpoint | undefined> {
    return this.readCheckpoint(this.layout.checkpointKey(size));
  }

  /** Sizes of every stored checkpoint, ascending (one listing of the checkpoints folder). */
  async checkpointSizes(): Promise<number[]> {
    const sizes: number[] = [];
    for await (const key of this.objects.list(this.layout.checkpointsPrefix)) {
      const size = this.layout.checkpointSizeOf(key);
      if (size !== undefined) sizes.push(size);
    }
    return sizes.sort((a, b) => a - b);
  }

  private async readCheckpoint(key: string): Promise<StoredCheckpoint | undefined> {
    const data = await this.objects.read(key);
    if (!data) return undefined;
    const note = data.toString('utf8');
    const bodyEnd = note.indexOf('\n\n');
    try {
      const checkpoint = parseCheckpoint(bodyEnd < 0 ? note : note.slice(0, bodyEnd + 1));
      return { note, ...checkpoint };
    } catch (err) {
      throw new FleetSignError(ErrorCode.Internal, `transparency log checkpoint ${key} is malformed: ${(err as Error).message}`);
    }
  }

  /** The log's public key (SPKI PEM), when a signer published it. */
  async publicKeyPem(): Promise<string | undefined> {
    return (await this.objects.read(this.layout.publicKeyKey))?.toString('utf8');
  }
}
