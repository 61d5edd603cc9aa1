import type { SigningScheme } from '@fleetsign/secure-boot';
import type { JobWebhookTarget, SignedBlockInfo, SignJobLogReceipt } from './sign-job';
import type { SignJobApproval } from './approval';
import type { JobOrigin } from './job-origin';
import type { SigningPolicyFacts } from './signing-policy';

/** Item counts of a batch. */
export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
}

/** Payload of a `batch` job: the signer adds it (id = batch id) once every item is final; it writes the manifest. */
export interface BatchJobData extends JobOrigin {
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

/** Return value of a `batch` job, once every item has finished. */
export interface BatchJobResult {
  batchId: string;
  tenant: string;
  profile: string;
  /** The API key that submitted the batch. */
  requester?: string;
  counts: BatchCounts;
  manifestKey: string;
  /** Profiles with approvals: the batch's one approval (verdict and every decision). */
  approval?: SignJobApproval;
}

/** A batch item's failure, as reported per item. */
export interface BatchItemError {
  code: string;
  message: string;
}

/** A batch item that was signed (or reused an earlier signing of the same image). */
export interface BatchItemSucceeded {
  state: 'succeeded';
  signedKey: string;
  imageSha256: string;
  signedSha256: string;
  blocks: SignedBlockInfo[];
  reused?: boolean;
  /** The signing's policy facts (requester, app description). */
  policy?: SigningPolicyFacts;
  /** The signing's place in the transparency log. */
  log?: SignJobLogReceipt;
}

/** A batch item that failed for good (permanent error, or its last attempt). */
export interface BatchItemFailed {
  state: 'failed';
  error: BatchItemError;
}

/** The final outcome of one batch item, recorded once by the signer. */
export type BatchItemOutcome = BatchItemSucceeded | BatchItemFailed;

/** What the gateway records per item: the rest (job id, outcome) follows from the index. */
export interface BatchItemEntry {
  /** Unique name within the batch (default: the basename of the source key). */
  name: string;
  sourceKey: string;
}

/** One item of a batch manifest. */
export interface BatchManifestItem {
  index: number;
  name: string;
  sourceKey: string;
  state: 'succeeded' | 'failed';
  jobId: string;
  signedKey?: string;
  imageSha256?: string;
  signedSha256?: string;
  blocks?: SignedBlockInfo[];
  reused?: boolean;
  /** The signing's policy facts (requester, app description). */
  policy?: SigningPolicyFacts;
  /** The signing's place in the transparency log (succeeded items). */
  log?: SignJobLogReceipt;
  error?: BatchItemError;
}

/** The manifest JSON written to `batches/<tenant>/<batchId>/manifest.json` when a batch completes. */
export interface BatchManifest {
  batchId: string;
  tenant: string;
  profile: string;
  scheme: SigningScheme;
  /** The API key that submitted the batch. */
  requester?: string;
  createdAt: string;
  completedAt: string;
  counts: BatchCounts;
  /** Profiles with approvals: the batch's one approval (verdict and every decision). */
  approval?: SignJobApproval;
  items: BatchManifestItem[];
}
