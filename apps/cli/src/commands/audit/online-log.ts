import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { CompactRange, encodeLogGroup, entryLeafHash, type LogEntry, LogLayout } from '@fleetsign/tlog';
import { AUDIT_PAGE_LIMIT, type FleetSignApi, type AuditEntriesPage } from '@fleetsign/api';
import { type AuditedLog, parseLogPublicKey, readUserFile } from './offline-log';

/** What an online audit trusts besides the service: a key and origin obtained out of band. */
export interface OnlineLogFlags {
  logKey?: string;
  origin?: string;
}

/** Objects held in memory, read like a store. */
class MemoryObjects {
  private readonly objects = new Map<string, Buffer>();

  set(key: string, data: Buffer): void {
    this.objects.set(key, data);
  }

  read = async (key: string): Promise<Buffer | undefined> => this.objects.get(key);

  list = (prefix: string): AsyncIterable<string> => {
    const keys = [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    return (async function* () {
      yield* keys;
    })();
  };
}

/**
 * The log as the service serves it (`GET /v1/audit/*`), laid out in memory as the store
 * holds it: each page of entries becomes one group, every stored checkpoint sits at its
 * size. `verifyLog` then runs over it exactly as over a store folder, so an online audit
 * proves what an offline one does: every entry, every checkpoint's signature and root.
 * Every entry of the log is needed, so a key that sees only its tenant's entries (`audit`
 * scope) is refused here.
 */
export async function openOnlineLog(api: FleetSignApi, flags: OnlineLogFlags, read = { entries: true }): Promise<AuditedLog> {
  const layout = new LogLayout();
  const objects = new MemoryObjects();
  const keyView = flags.logKey ? undefined : await api.auditPublicKey();
  const publicKey = parseLogPublicKey(flags.logKey ? await readUserFile(flags.logKey, 'the log key') : (keyView?.publicKeyPem ?? ''));
  // The checkpoint first: the entries read after it cover at least its size.
  const latest = await api.auditCheckpoint();
  objects.set(layout.checkpointKey(latest.size), Buffer.from(latest.note, 'utf8'));
  objects.set(layout.latestCheckpointKey, Buffer.from(latest.note, 'utf8'));
  if (read.entries) await fetchCheckpoints(api, layout, objects, latest.size);
  const range = CompactRange.empty();
  let treeSize = read.entries ? latest.size : 0;
  // Bounded: each page brings AUDIT_PAGE_LIMIT entries or ends the log.
  for (let page = 0; range.size < treeSize && page <= treeSize / AUDIT_PAGE_LIMIT + 1; page++) {
    const start = range.size;
    const answer = await api.auditEntries(start, start + AUDIT_PAGE_LIMIT);
    treeSize = Math.max(treeSize, answer.treeSize);
    const entries = pageEntries(answer, start);
    for (const entry of entries) range.append(entryLeafHash(entry));
    objects.set(layout.groupKey(start), groupBytes(start, entries, range));
  }
  const origin = flags.origin ?? latest.origin;
  return { objects, layout, publicKey, origin, latestCheckpoint: latest.note };
}

/** Every stored checkpoint up to the newest one, page by page (bounded: each page moves `after` on). */
async function fetchCheckpoints(api: FleetSignApi, layout: LogLayout, objects: MemoryObjects, newest: number): Promise<void> {
  let after: number | undefined;
  for (let page = 0; page <= newest; page++) {
    const answer = await api.auditCheckpoints(after);
    for (const { size, note } of answer.checkpoints) {
      if (size <= newest) objects.set(layout.checkpointKey(size), Buffer.from(note, 'utf8'));
    }
    if (answer.next === undefined || (after !== undefined && answer.next <= after) || answer.next >= newest) return;
    after = answer.next;
  }
}

function pageEntries(answer: AuditEntriesPage, start: number): LogEntry[] {
  const expected = Math.max(0, answer.end - start);
  if (answer.start !== start || expected === 0) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `the service answered entries from ${answer.start} to ${answer.end} when asked from ${start}`);
  }
  if (answer.entries.length !== expected) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `the service returned ${answer.entries.length} of entries ${start}-${answer.end - 1}: verifying the whole log needs an API key with the operator scope`,
    );
  }
  return answer.entries as LogEntry[];
}

/** The log as served does not hold: the reason becomes the verdict (exit 1), not a fault. */
export class LogNotVerified extends Error {}

/** A group as the store holds it, so verifyLog checks each entry's schema and sequence number. */
function groupBytes(start: number, entries: LogEntry[], range: CompactRange): Buffer {
  try {
    return encodeLogGroup({ start, entries, rangeAfter: range.clone() });
  } catch (err) {
    throw new LogNotVerified(`entries from ${start}: ${(err as Error).message}`);
  }
}
