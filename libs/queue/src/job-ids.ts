import { createHash } from 'node:crypto';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';

const NAMESPACE = /^[a-z][a-z0-9]{0,15}$/;
// Tenants and job ids become object-key segments: keep them to a safe alphabet.
const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A stable id from a namespace and parts: `<namespace>_<32 hex>` (128 bits of SHA-256).
 * Never an integer and never contains ':', so BullMQ accepts it as a custom job id.
 */
export function deterministicId(namespace: string, ...parts: string[]): string {
  if (!NAMESPACE.test(namespace)) {
    throw new FleetSignError(
      ErrorCode.InvalidArgument,
      `id namespace "${namespace}" must match ${NAMESPACE}`,
    );
  }
  if (parts.length === 0 || parts.some((part) => part.length === 0)) {
    throw new FleetSignError(ErrorCode.InvalidArgument, 'deterministic id parts must be non-empty strings');
  }
  // JSON framing keeps ("a", "bc") and ("ab", "c") apart.
  const digest = createHash('sha256')
    .update(JSON.stringify([namespace, ...parts]))
    .digest('hex');
  return `${namespace}_${digest.slice(0, 32)}`;
}

/** The BullMQ job id of a sign request: a retried request with the same Idempotency-Key maps to the same job. */
export function deterministicJobId(tenant: string, idempotencyKey: string): string {
  return deterministicId('job', tenant, idempotencyKey);
}

/** The id of a batch request: a retried request with the same Idempotency-Key maps to the same batch. */
export function deterministicBatchId(tenant: string, idempotencyKey: string): string {
  return deterministicId('batch', tenant, idempotencyKey);
}

/**
 * The sign job id of item `index` of a batch, `job_<32 hex>` like any sign job (so
 * GET /v1/jobs/:id shows it). Four framed parts, so it never equals a
 * (tenant, Idempotency-Key) job id; a resumed enqueue re-adds the same ids.
 */
export function batchItemJobId(batchId: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `batch item index must be a whole number >= 0, got ${index}`);
  }
  return deterministicId('job', batchId, 'item', String(index));
}

function assertKeySegment(what: string, value: string): void {
  if (!KEY_SEGMENT.test(value) || value.includes('..')) {
    throw new FleetSignError(ErrorCode.InvalidArgument, `${what} "${value}" is not usable in an object key`, {
      [what]: value,
    });
  }
}

/** Deterministic key of a job's signed image: `signed/<tenant>/<jobId>.bin`. */
export function signedObjectKey(tenant: string, jobId: string): string {
  assertKeySegment('tenant', tenant);
  assertKeySegment('jobId', jobId);
  return `signed/${tenant}/${jobId}.bin`;
}

/** Deterministic key of a batch manifest: `batches/<tenant>/<batchId>/manifest.json`. */
export function batchManifestKey(tenant: string, batchId: string): string {
  assertKeySegment('tenant', tenant);
  assertKeySegment('batchId', batchId);
  return `batches/${tenant}/${batchId}/manifest.json`;
}

/** The webhook event id (and webhook job id) of a sign job's or a batch's final state: `evt_<id>`. */
export function webhookEventId(jobOrBatchId: string): string {
  return `evt_${jobOrBatchId}`;
}
