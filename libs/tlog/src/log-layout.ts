import { CompactRange } from './compact-range';
import { type LogEntry, logEntrySchema } from './log-entry';
import { HASH_SIZE } from './merkle-hash';
import { z } from 'zod';

// Where the log lives in the object store, and the codec of each object there. The store
// is the log's source of truth; every object below is written create-only except
// `<root>checkpoint` (the newest checkpoint, a copy of `<root>checkpoints/<size>`).
//
// Entries are appended in groups (one group commit of the signer): the group that starts at
// leaf `start` is ONE object, `<root>groups/<start>`, holding its entries in order and the
// compact range of the tree after it. One object per group makes a group commit atomic (no
// half-written group, hence no holes) and makes a race visible: two appenders that both
// believe the log ends at `start` both create `log/groups/<start>`, and exactly one wins.

/** Largest log object a reader accepts (a group holds at most a few hundred entries of ~1 KB). */
export const MAX_LOG_OBJECT_BYTES = 8 * 1024 * 1024;

/** Digits of the zero-padded positions in object keys, so keys list in numeric order. */
const POSITION_DIGITS = 12;

function position(n: number): string {
  return String(n).padStart(POSITION_DIGITS, '0');
}

/** Where the log's objects live under a root folder (default `log/`). */
export class LogLayout {
  /** `root`: a key prefix ending in '/', e.g. 'log/'. */
  constructor(readonly root = 'log/') {
    if (!/^([A-Za-z0-9._-]+\/)+$/.test(root)) throw new Error(`log root '${root}' must be folder names each ending in '/'`);
  }

  get groupsPrefix(): string {
    return `${this.root}groups/`;
  }

  get checkpointsPrefix(): string {
    return `${this.root}checkpoints/`;
  }

  /** The newest checkpoint (a signed note). */
  get latestCheckpointKey(): string {
    return `${this.root}checkpoint`;
  }

  /** The log's public key (SPKI PEM), for auditors and the gateway. */
  get publicKeyKey(): string {
    return `${this.root}public-key.pem`;
  }

  /** Object key of the group starting at leaf `start`. */
  groupKey(start: number): string {
    return `${this.groupsPrefix}${position(start)}`;
  }

  /** Leaf index a group key starts at; undefined for a key that is not one. */
  groupStartOf(key: string): number | undefined {
    if (!key.startsWith(this.groupsPrefix)) return undefined;
    const rest = key.slice(this.groupsPrefix.length);
    return new RegExp(`^[0-9]{${POSITION_DIGITS}}$`).test(rest) ? Number(rest) : undefined;
  }

  /** Object key of the checkpoint of `size` entries. */
  checkpointKey(size: number): string {
    return `${this.checkpointsPrefix}${position(size)}`;
  }

  /** Tree size of a checkpoint key; undefined for a key that is not one. */
  checkpointSizeOf(key: string): number | undefined {
    if (!key.startsWith(this.checkpointsPrefix)) return undefined;
    const rest = key.slice(this.checkpointsPrefix.length);
    return new RegExp(`^[0-9]{${POSITION_DIGITS}}$`).test(rest) ? Number(rest) : undefined;
  }

  /** Object key of a job's pointer into the log. */
  jobKey(jobId: string): string {
    return `${this.root}jobs/${jobId}.json`;
  }

  /**
   * Folder of the pointers to every entry whose signed file or signed image has this hex
   * SHA-256 (the revocation status index): one create-only object per entry, so an
   * answer lists the folder instead of scanning the log. Rebuildable from the entries.
   */
  digestPrefix(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('a digest pointer needs a lower-case hex SHA-256');
    return `${this.root}by-sha256/${sha256}/`;
  }

  /** Written once every entry of the log had its digest pointers (after a full reindex); signers keep them since. */
  get digestIndexCompleteKey(): string {
    return `${this.root}by-sha256.complete`;
  }

  /** Object key of the pointer to entry `seq` under a digest. */
  digestKey(sha256: string, seq: number): string {
    return `${this.digestPrefix(sha256)}${position(seq)}.json`;
  }

  /** The digests an entry is found under: its signed file's and its signed image's SHA-256. */
  static digestsOf(entry: Pick<LogEntry, 'imageSha256' | 'signed'>): string[] {
    return [...new Set([entry.signed.sha256, entry.imageSha256])];
  }
}

/** One group of consecutive entries, as stored. */
export interface LogGroup {
  start: number;
  entries: LogEntry[];
  /** The compact range of the whole tree after this group (start + entries.length leaves). */
  rangeAfter: CompactRange;
  /**
   * The compact range before it (`start` leaves), when the appender recorded it: with the
   * group's own leaves it proves any entry of the group in the tree that ends with the group,
   * without reading another group (see appendedRangeHasher).
   */
  rangeBefore?: CompactRange;
}

const storedGroupSchema = z.strictObject({
  version: z.literal(1),
  start: z.number().int().min(0),
  entries: z.array(logEntrySchema).min(1),
  rangeAfter: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
  rangeBefore: z.array(z.string().regex(/^[0-9a-f]{64}$/)).optional(),
});

/** The stored bytes of a group. */
export function encodeLogGroup(group: LogGroup): Buffer {
  if (group.rangeAfter.size !== group.start + group.entries.length) throw new RangeError('group range does not end after the group');
  group.entries.forEach((entry, i) => {
    if (entry.seq !== group.start + i) throw new RangeError(`entry ${i} of the group at ${group.start} has seq ${entry.seq}`);
  });
  if (group.rangeBefore && group.rangeBefore.size !== group.start) throw new RangeError('group range before does not end where the group starts');
  const stored = {
    version: 1,
    start: group.start,
    entries: group.entries,
    rangeAfter: group.rangeAfter.hashes().map((h) => h.toString('hex')),
    ...(group.rangeBefore ? { rangeBefore: group.rangeBefore.hashes().map((h) => h.toString('hex')) } : {}),
  };
  return Buffer.from(JSON.stringify(stored), 'utf8');
}

/** Parses a stored group; throws Error naming the problem when it is malformed or its sequence numbers do not run on. */
export function decodeLogGroup(data: Buffer): LogGroup {
  let json: unknown;
  try {
    json = JSON.parse(data.toString('utf8'));
  } catch {
    throw new Error('log group is not JSON');
  }
  const parsed = storedGroupSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`log group is malformed: ${issue.path.join('.')}: ${issue.message}`);
  }
  const { start, entries, rangeAfter, rangeBefore } = parsed.data;
  entries.forEach((entry, i) => {
    if (entry.seq !== start + i) throw new Error(`log group at ${start} holds seq ${entry.seq} at position ${i}`);
  });
  const hashes = rangeAfter.map((h) => Buffer.from(h, 'hex'));
  if (hashes.some((h) => h.length !== HASH_SIZE)) throw new Error('log group range is malformed');
  let range: CompactRange;
  try {
    range = CompactRange.of(start + entries.length, hashes);
  } catch {
    throw new Error(`log group at ${start} carries a range that does not fit its end`);
  }
  let before: CompactRange | undefined;
  if (rangeBefore) {
    const beforeHashes = rangeBefore.map((h) => Buffer.from(h, 'hex'));
    try {
      before = CompactRange.of(start, beforeHashes);
    } catch {
      throw new Error(`log group at ${start} carries a range before it that does not fit its start`);
    }
  }
  return { start, entries, rangeAfter: range, ...(before ? { rangeBefore: before } : {}) };
}

/** Where a job's entry is: its leaf index and the group holding it. */
export interface LogJobPointer {
  seq: number;
  group: number;
}

const jobPointerSchema = z.strictObject({ seq: z.number().int().min(0), group: z.number().int().min(0) });

export function encodeLogJobPointer(pointer: LogJobPointer): Buffer {
  return Buffer.from(JSON.stringify({ seq: pointer.seq, group: pointer.group }), 'utf8');
}

export function decodeLogJobPointer(data: Buffer): LogJobPointer {
  const parsed = jobPointerSchema.safeParse((() => {
    try {
      return JSON.parse(data.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  })());
  if (!parsed.success || parsed.data.seq < parsed.data.group) throw new Error('log job pointer is malformed');
  return parsed.data;
}
