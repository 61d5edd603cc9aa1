import type { JobWebhookTarget } from './sign-job';

/** Item counts of a batch. */
export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
}

/** Payload of a `batch` parent job; its children are `sign` jobs carrying `batchId`. */
export interface BatchJobData {
  batchId: string;
  tenant: string;
  profile: string;
  /** Number of variants submitted. */
  counts: Pick<BatchCounts, 'total'>;
  /** Deterministic key the manifest is written to (see `batchManifestKey`). */
  manifestKey: string;
  webhook?: JobWebhookTarget;
  metadata?: Record<string, string>;
  /** ISO-8601 time the gateway accepted the request. */
  requestedAt: string;
}

/** Return value of a `batch` job, once every child has finished. */
export interface BatchJobResult {
  batchId: string;
  tenant: string;
  profile: string;
  counts: BatchCounts;
  manifestKey: string;
}
