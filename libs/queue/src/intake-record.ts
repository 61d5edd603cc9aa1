import type { SignJobData } from './sign-job';

// What the gateway accepted, kept in the object store before it answers 202, so that a
// Redis loss (failover, wipe) never loses an accepted request: the reconcile step
// re-creates the job and batch state from these records. Never a secret in them: the
// webhook target is its URL (the tenant's signing secret stays in configuration).

/** Version of the intake record layout. */
export const INTAKE_RECORD_VERSION = 1;

/** Default folder of intake records in the object store (FLEETSIGN_INTAKE_PREFIX). */
export const DEFAULT_INTAKE_PREFIX = 'intake/';

/** Largest intake record read back (a 10,000-item batch is about 2 MB). */
export const MAX_INTAKE_RECORD_BYTES = 16 * 1024 * 1024;

/** Where intake records live: `<root>batches/<batchId>.json` and `<root>jobs/<jobId>.json`. */
export class IntakeLayout {
  /** `root`: folder names each ending in '/', e.g. 'intake/'. */
  constructor(readonly root = DEFAULT_INTAKE_PREFIX) {
    if (!/^([A-Za-z0-9._-]+\/)+$/.test(root)) throw new Error(`intake prefix '${root}' must be folder names each ending in '/'`);
  }

  get batchesPrefix(): string {
    return `${this.root}batches/`;
  }

  get jobsPrefix(): string {
    return `${this.root}jobs/`;
  }

  batchKey(batchId: string): string {
    return `${this.batchesPrefix}${batchId}.json`;
  }

  jobKey(jobId: string): string {
    return `${this.jobsPrefix}${jobId}.json`;
  }

  /** The id named by a record key under `prefix` (batchesPrefix or jobsPrefix); undefined for another key. */
  idOf(key: string, prefix: string): string | undefined {
    if (!key.startsWith(prefix) || !key.endsWith('.json')) return undefined;
    const id = key.slice(prefix.length, -'.json'.length);
    return /^[a-z]+_[A-Za-z0-9]{1,64}$/.test(id) ? id : undefined;
  }
}

/** One accepted batch item, with the digest and size the gateway knew at intake. */
export interface IntakeBatchItem {
  name: string;
  sourceKey: string;
  sha256?: string;
  size?: number;
  metadata?: Record<string, string>;
}

/** An accepted `POST /v1/batches`. */
export interface BatchIntakeRecord {
  version: typeof INTAKE_RECORD_VERSION;
  kind: 'batch';
  batchId: string;
  tenant: string;
  profile: string;
  requester?: string;
  /** ISO-8601 time the gateway accepted the batch (its record's createdAt). */
  createdAt: string;
  /** Idempotency fingerprint of the request body. */
  requestHash: string;
  webhookUrl?: string;
  metadata?: Record<string, string>;
  fresh?: boolean;
  items: IntakeBatchItem[];
}

/** An accepted `POST /v1/jobs`: the sign job's data as queued. */
export interface JobIntakeRecord {
  version: typeof INTAKE_RECORD_VERSION;
  kind: 'job';
  jobId: string;
  /** Idempotency fingerprint of the request body. */
  requestHash: string;
  data: SignJobData;
}

export type IntakeRecord = BatchIntakeRecord | JobIntakeRecord;

/** The stored form of an intake record (JSON). */
export function encodeIntakeRecord(record: IntakeRecord): Buffer {
  return Buffer.from(JSON.stringify(record));
}

function fail(what: string): never {
  throw new TypeError(`intake record ${what}`);
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Reads a stored intake record; throws TypeError when it is not one of this version. */
export function decodeIntakeRecord(data: Buffer | string): IntakeRecord {
  const parsed = JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as Partial<IntakeRecord> | null;
  if (!parsed || typeof parsed !== 'object') fail('is not an object');
  if (parsed.version !== INTAKE_RECORD_VERSION) fail(`has version ${String(parsed.version)}, expected ${INTAKE_RECORD_VERSION}`);
  if (parsed.kind === 'batch') {
    const batch = parsed as Partial<BatchIntakeRecord>;
    if (!isString(batch.batchId) || !isString(batch.tenant) || !isString(batch.profile) || !isString(batch.createdAt)) {
      fail('of a batch lacks its id, tenant, profile or time');
    }
    if (!Array.isArray(batch.items) || batch.items.length === 0) fail('of a batch has no items');
    for (const item of batch.items) {
      if (!isString(item?.name) || !isString(item?.sourceKey)) fail('of a batch has an item without name or source key');
    }
    return batch as BatchIntakeRecord;
  }
  if (parsed.kind === 'job') {
    const job = parsed as Partial<JobIntakeRecord>;
    const data = job.data as Partial<SignJobData> | undefined;
    if (!isString(job.jobId) || !data || !isString(data.tenant) || !isString(data.profile) || !isString(data.signedKey)) {
      fail('of a job lacks its id, tenant, profile or signed key');
    }
    if (!isString(data.source?.key) || !isString(data.requestedAt)) fail('of a job lacks its source or time');
    return job as JobIntakeRecord;
  }
  return fail(`has unknown kind ${String((parsed as { kind?: unknown }).kind)}`);
}
