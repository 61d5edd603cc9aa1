import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write';
import { toIoError } from '@fleetsign/errors';

/** Name of the resume record in the output folder. */
export const BATCH_STATE_FILE = '.fleetsign-batch.json';

/** An image already uploaded: where it is and how big. */
export interface UploadRecord {
  key: string;
  size: number;
}

/** What the resume record holds (JSON, version 1). */
export interface BatchStateData {
  version: 1;
  /** Gateway base URL the uploads and the batch belong to. */
  server: string;
  /** One-way fingerprint of the API key (its tenant owns the uploads); never the key. */
  credential: string;
  profile: string;
  /** Idempotency-Key of the batch these files make. */
  idempotencyKey?: string;
  batchId?: string;
  /** Uploaded images by SHA-256. */
  uploads: Record<string, UploadRecord>;
  updatedAt: string;
}

/** A fingerprint of an API key that cannot be turned back into the key (domain-separated SHA-256). */
export function credentialFingerprint(apiKey: string): string {
  return createHash('sha256').update(`fleetsign-client-state\0${apiKey}`).digest('hex').slice(0, 16);
}

/**
 * The resume record of a batch run in its output folder: which images are uploaded
 * (so a re-run does not upload them again and sends the same request) and the batch
 * id. A record for another server, key or profile is ignored. Saved atomically,
 * at most once per `minSaveIntervalMs` unless forced.
 */
export class BatchState {
  private lastSavedAt = 0;
  private dirty = false;
  // Saves run one after another, so an older snapshot never lands after a newer one.
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private data: BatchStateData,
    private readonly minSaveIntervalMs: number,
    /** True when an earlier run of this folder left a record that fits (not a first run here). */
    readonly fromEarlierRun: boolean,
  ) {}

  /** Reads the record of `outDir`, or starts an empty one when there is none that fits. */
  static async load(
    outDir: string,
    owner: { server: string; apiKey: string; profile: string },
    minSaveIntervalMs = 1000,
  ): Promise<BatchState> {
    const path = join(outDir, BATCH_STATE_FILE);
    const credential = credentialFingerprint(owner.apiKey);
    const empty: BatchStateData = {
      version: 1,
      server: owner.server,
      credential,
      profile: owner.profile,
      uploads: {},
      updatedAt: new Date().toISOString(),
    };
    const stored = await readState(path);
    const fits =
      stored?.version === 1 &&
      stored.server === owner.server &&
      stored.credential === credential &&
      stored.profile === owner.profile &&
      typeof stored.uploads === 'object' &&
      stored.uploads !== null;
    return new BatchState(path, fits ? stored : empty, minSaveIntervalMs, fits);
  }

  /** The batch recorded for this idempotency key, if any. */
  batchFor(idempotencyKey: string): string | undefined {
    return this.data.idempotencyKey === idempotencyKey ? this.data.batchId : undefined;
  }

  upload(sha256: string): UploadRecord | undefined {
    const record = this.data.uploads[sha256];
    return record && typeof record.key === 'string' ? record : undefined;
  }

  recordUpload(sha256: string, record: UploadRecord): void {
    this.data.uploads[sha256] = record;
    this.dirty = true;
  }

  /** Forgets uploads the service no longer has. */
  forgetUploads(): void {
    this.data.uploads = {};
    this.dirty = true;
  }

  recordBatch(idempotencyKey: string, batchId: string | undefined): void {
    this.data.idempotencyKey = idempotencyKey;
    this.data.batchId = batchId;
    this.dirty = true;
  }

  /** Writes the record if it changed and (unless `force`) the last write is old enough. */
  save(force = false): Promise<void> {
    const next = this.saving.then(async () => {
      if (!this.dirty) return;
      if (!force && Date.now() - this.lastSavedAt < this.minSaveIntervalMs) return;
      this.data.updatedAt = new Date().toISOString();
      this.dirty = false;
      this.lastSavedAt = Date.now();
      try {
        await writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`, { mode: 0o600 });
      } catch (err) {
        this.dirty = true;
        throw err;
      }
    });
    // A failed save is reported to its caller; later saves still run.
    this.saving = next.catch(() => undefined);
    return next;
  }
}

async function readState(path: string): Promise<BatchStateData | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toIoError(err, 'read', path);
  }
  try {
    return JSON.parse(text) as BatchStateData;
  } catch {
    // A damaged record only costs re-uploads; it is replaced on the next save.
    return undefined;
  }
}
