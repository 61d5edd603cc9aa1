import type { KeyAlgorithm, SigningScheme } from '@fleetsign/secure-boot';
import type { SignJobApproval } from './approval';
import type { JobOrigin } from './job-origin';
import type { SigningPolicyFacts } from './signing-policy';

/** Where the unsigned image lives; the signer streams it from the object store. */
export interface SignJobSource {
  /** Object key of the unsigned image. */
  key: string;
  /** Expected SHA-256 (hex) of the object as uploaded; the signer refuses a mismatch. */
  sha256?: string;
  /** Expected size in bytes, when the client stated it. */
  size?: number;
}

/** Where and how the signer announces completion. The HMAC secret is resolved by the notifier, never carried here. */
export interface JobWebhookTarget {
  url: string;
  /** Stable event id: the `webhook-id` header, identical across retries. */
  eventId: string;
}

/**
 * Payload of a `sign` job: object keys and digests only, never image bytes, never secrets.
 * Its origin (request id, trace context) is that of the request that submitted the job
 * or, for a batch item, the batch.
 */
export interface SignJobData extends JobOrigin {
  tenant: string;
  /**
   * Who asked: the id of the API key that submitted the job or its batch (a name from the
   * configuration, not a secret). Absent only on jobs queued before requesters were recorded.
   */
  requester?: string;
  /** When `requester` is an OIDC token's subject (a CI identity): the token's issuer. Absent for API keys. */
  requesterIssuer?: string;
  /** Signing profile name from the operator's configuration. */
  profile: string;
  source: SignJobSource;
  /** Deterministic output key, `signed/<tenant>/<jobId>.bin` (see `signedObjectKey`). */
  signedKey: string;
  webhook?: JobWebhookTarget;
  /** Caller labels echoed back in results, the audit record and webhooks. */
  metadata?: Record<string, string>;
  /** ISO-8601 time the gateway accepted the request. */
  requestedAt: string;
  /** When true the signer makes a new signature, even if this job or an earlier one already signed the image. */
  fresh?: boolean;
  /** Set on the items of a batch. */
  batchId?: string;
  /** Position of the item in its batch (set with `batchId`). */
  batchIndex?: number;
  /**
   * Set on jobs of a profile that requires approvals, once the approval is over: the
   * verdict and every decision. The signer signs only `approved` jobs; rejected and
   * expired ones fail at once (APPROVAL_REJECTED / APPROVAL_EXPIRED), before any HSM operation.
   */
  approval?: SignJobApproval;
}

/** One signature block the signer produced and verified. */
export interface SignedBlockInfo {
  /** Position in the signature sector (0-2). */
  index: number;
  /** Digest of the public key as the chip stores it in eFuse (hex). */
  keyDigest: string;
  algorithm: KeyAlgorithm;
}

/** Time spent in each pipeline step, in milliseconds. */
export interface SignJobTimings {
  fetchMs: number;
  signMs: number;
  storeMs: number;
  totalMs: number;
}

/**
 * A job's place in the transparency log: its leaf index and leaf hash, and, when a signed
 * checkpoint covers it, that checkpoint (a C2SP signed note) with the inclusion proof.
 */
export interface SignJobLogReceipt {
  /** Leaf index (the entry's `seq`). */
  index: number;
  /** Hex SHA-256(0x00 || canonical entry). */
  leafHash: string;
  checkpoint?: string;
  /** Hex node hashes from the leaf up to the checkpoint's root (RFC 9162 section 2.1.3). */
  inclusionProof?: string[];
}

/** Return value of a `sign` job. */
export interface SignJobResult {
  /** SHA-256 (hex) of the padded image that was signed. */
  imageSha256: string;
  /** SHA-256 (hex) of the whole signed file as stored. */
  signedSha256: string;
  signedKey: string;
  /** Size in bytes of the signed file. */
  signedSize: number;
  /** Length of the signed data (image padded to 4 KiB), i.e. the offset of the signature sector. */
  signedDataLength: number;
  scheme: SigningScheme;
  blocks: SignedBlockInfo[];
  /** Where the signing sits in the transparency log. */
  log: SignJobLogReceipt;
  timings: SignJobTimings;
  /**
   * True when no new signature was made for this job: an earlier attempt had stored the
   * output, or an earlier job of the tenant signed the same image with the same profile
   * and keys (then `signedKey` is that job's file).
   */
  reused?: boolean;
  /** The signing's policy facts (requester, app description), as recorded. */
  policy?: SigningPolicyFacts;
}
