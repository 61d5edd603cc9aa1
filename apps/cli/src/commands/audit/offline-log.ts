import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { FsObjectStore, objectSource, type ObjectSource } from '@fleetsign/storage';
import { LogLayout, MAX_LOG_OBJECT_BYTES, parseCheckpoint } from '@fleetsign/tlog';

/** Options every offline `audit` subcommand shares. */
export interface OfflineLogFlags {
  storeDir: string;
  logPrefix: string;
  /** PEM file of the log's public key; default the one published in the store. */
  logKey?: string;
  /** The log's origin; default the origin of the newest checkpoint in the store. */
  origin?: string;
}

/** A log to audit (an fs store folder, or the service's pages held in memory), read-only, and what the auditor trusts about it. */
export interface AuditedLog {
  objects: ObjectSource;
  layout: LogLayout;
  publicKey: KeyObject;
  origin: string;
  /** The newest checkpoint note in the store, if any. */
  latestCheckpoint?: string;
}

/** Reads a file the user named; INVALID_ARGUMENT naming it when it cannot be read. */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The log's public key from PEM; INVALID_ARGUMENT when it is not one. */
export function parseLogPublicKey(pem: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'the log public key is not a PEM public key');
  }
}

/** Opens the log of an fs store folder (as the fs driver lays it out) without writing to it. */
export async function openOfflineLog(flags: OfflineLogFlags): Promise<AuditedLog> {
  // Presigning is never used here; the driver only needs a secret to be constructed.
  const store = new FsObjectStore({ root: flags.storeDir, publicBaseUrl: 'http://127.0.0.1/', signingSecret: randomBytes(32).toString('hex') });
  const objects = objectSource(store, MAX_LOG_OBJECT_BYTES);
  const layout = new LogLayout(flags.logPrefix);
  const pem = flags.logKey ? await readUserFile(flags.logKey, 'the log key') : (await objects.read(layout.publicKeyKey))?.toString('utf8');
  if (pem === undefined) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `no log public key: ${layout.publicKeyKey} is not in ${flags.storeDir}; pass --log-key PEM`);
  }
  const publicKey = parseLogPublicKey(pem);
  const latestCheckpoint = (await objects.read(layout.latestCheckpointKey))?.toString('utf8');
  const origin = flags.origin ?? (latestCheckpoint !== undefined ? originOf(latestCheckpoint) : undefined);
  if (origin === undefined) throw new FleetSignError(ErrorCode.InvalidArgument, 'the store holds no checkpoint to take the log origin from; pass --origin');
  return { objects, layout, publicKey, origin, ...(latestCheckpoint !== undefined ? { latestCheckpoint } : {}) };
}

/** The origin line of a signed checkpoint (unverified: only to name the log). */
function originOf(note: string): string {
  const end = note.indexOf('\n\n');
  try {
    return parseCheckpoint(end < 0 ? note : note.slice(0, end + 1)).origin;
  } catch {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'the newest checkpoint in the store is malformed; pass --origin');
  }
}
