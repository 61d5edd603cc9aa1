import { ErrorCode, FleetSignError, isFleetSignError } from '@fleetsign/errors';
import type { ObjectStore } from '@fleetsign/storage';
import {
  appendedRangeHasher,
  decodeLogGroup,
  inclusionProof,
  decodeLogJobPointer,
  encodeLogGroup,
  encodeLogJobPointer,
  entryLeafHash,
  type LogEntry,
  type LogGroup,
  LogLayout,
  MAX_LOG_OBJECT_BYTES,
} from '@fleetsign/tlog';

const MAX_POINTER_BYTES = 1024;
const MAX_NOTE_BYTES = 64 * 1024;

/** An entry found in the log, with its leaf hash. */
export interface LoggedEntry {
  entry: LogEntry;
  leafHash: Buffer;
  /** A signed checkpoint (C2SP signed note) covering the entry, when one was made as it was appended. */
  checkpoint?: string;
  /** The entry's RFC 9162 inclusion proof against `checkpoint`. */
  inclusionProof?: Buffer[];
}

/** Reads and writes the log's objects; knows the layout, not the append protocol. */
export class LogStore {
  constructor(
    private readonly store: ObjectStore,
    readonly layout = new LogLayout(),
  ) {}

  /** The group starting at `start`; undefined when none does. */
  async readGroup(start: number): Promise<LogGroup | undefined> {
    const key = this.layout.groupKey(start);
    let data: Buffer;
    try {
      data = await this.store.getBuffer(key, MAX_LOG_OBJECT_BYTES);
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
      throw err;
    }
    try {
      const group = decodeLogGroup(data);
      if (group.start !== start) throw new Error(`it says it starts at ${group.start}`);
      return group;
    } catch (err) {
      throw new FleetSignError(ErrorCode.Internal, `transparency log object ${key} is corrupt: ${(err as Error).message}`, { key });
    }
  }

  /**
   * Creates the group's object unless one exists at its start; true when this call created
   * it. The existence check first is for stores that ignore If-None-Match (s3rver and some
   * S3-compatible servers): with the append lease held it keeps them from overwriting too.
   */
  async createGroup(group: LogGroup): Promise<boolean> {
    if (await this.store.exists(this.layout.groupKey(group.start))) return false;
    try {
      await this.store.put(this.layout.groupKey(group.start), encodeLogGroup(group), { contentType: 'application/json', ifNoneMatch: true });
      return true;
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.FileExists)) return false;
      throw err;
    }
  }

  /**
   * Writes the pointers of every entry of the group, create-only (an existing one is kept):
   * job -> position, and signed-file / image SHA-256 -> position (the revocation status
   * index, `by-sha256/<sha>/<seq>.json`). Every group is written under the append lease
   * before the next, and a head rebuild writes the last group's again, so no entry lacks them.
   */
  async writeJobPointers(group: LogGroup): Promise<void> {
    await Promise.all(
      group.entries.flatMap((entry) => {
        const pointer = encodeLogJobPointer({ seq: entry.seq, group: group.start });
        const keys = [this.layout.jobKey(entry.jobId), ...LogLayout.digestsOf(entry).map((sha) => this.layout.digestKey(sha, entry.seq))];
        return keys.map((key) => this.putPointer(key, pointer));
      }),
    );
  }

  /** Writes every pointer of every group from leaf 0 (the index after a restore, or of a log older than it); returns the entries seen. */
  async reindex(): Promise<number> {
    let entries = 0;
    for (let start = 0; ; ) {
      const group = await this.readGroup(start);
      if (!group) return entries;
      await this.writeJobPointers(group);
      entries += group.entries.length;
      start = group.start + group.entries.length;
    }
  }

  /**
   * Makes sure every entry has its digest pointers: unless the marker says a full reindex
   * was done, reindexes from leaf 0 and writes the marker. Returns the entries reindexed
   * (0 when the marker was there). Signers write the pointers with every group, so once
   * is enough; a log written before the index existed gets them here.
   */
  async completeDigestIndex(): Promise<number> {
    const marker = this.layout.digestIndexCompleteKey;
    if (await this.store.exists(marker)) return 0;
    const entries = await this.reindex();
    await this.putPointer(marker, Buffer.from(JSON.stringify({ entries, at: new Date().toISOString() }), 'utf8'));
    return entries;
  }

  private async putPointer(key: string, pointer: Buffer): Promise<void> {
    try {
      await this.store.put(key, pointer, { contentType: 'application/json', ifNoneMatch: true });
    } catch (err) {
      if (!isFleetSignError(err, ErrorCode.FileExists)) throw err;
    }
  }

  /** The entry of job `jobId`, when the log has one. */
  async findJob(jobId: string): Promise<LoggedEntry | undefined> {
    let pointerData: Buffer;
    try {
      pointerData = await this.store.getBuffer(this.layout.jobKey(jobId), MAX_POINTER_BYTES);
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return undefined;
      throw err;
    }
    const pointer = decodeLogJobPointer(pointerData);
    const group = await this.readGroup(pointer.group);
    const entry = group?.entries[pointer.seq - pointer.group];
    if (!entry || entry.jobId !== jobId) {
      throw new FleetSignError(ErrorCode.Internal, `transparency log pointer of job ${jobId} does not lead to its entry`, { jobId });
    }
    return { entry, leafHash: entryLeafHash(entry), ...(group && !entry.batch ? await this.receiptOf(group, pointer.seq) : {}) };
  }

  /**
   * A release job's receipt as it got it when appended: the checkpoint of the tree that ends
   * with its group (made then) and the proof against it, from the group alone. Nothing when
   * the group has no range before it or no such checkpoint was made.
   */
  private async receiptOf(group: LogGroup, seq: number): Promise<Pick<LoggedEntry, 'checkpoint' | 'inclusionProof'>> {
    if (!group.rangeBefore) return {};
    const size = group.rangeAfter.size;
    let note: Buffer;
    try {
      note = await this.store.getBuffer(this.layout.checkpointKey(size), MAX_NOTE_BYTES);
    } catch (err) {
      if (isFleetSignError(err, ErrorCode.SourceNotFound)) return {};
      throw err;
    }
    const hasher = appendedRangeHasher(group.rangeBefore, group.entries.map(entryLeafHash));
    return { checkpoint: note.toString('utf8'), inclusionProof: inclusionProof(seq, size, hasher) };
  }

  /** The group that ends the log (the highest start), listing the groups once; undefined for an empty log. */
  async lastGroup(): Promise<LogGroup | undefined> {
    let last: number | undefined;
    for await (const key of this.store.list(this.layout.groupsPrefix)) {
      const start = this.layout.groupStartOf(key);
      if (start !== undefined && (last === undefined || start > last)) last = start;
    }
    return last === undefined ? undefined : this.readGroup(last);
  }
}
