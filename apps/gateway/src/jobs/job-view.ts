import type { ApiJobState, ApprovalView, JobResultView, JobView, SignedOutputView, WebhookDeliveryState, WebhookDeliveryView } from '@fleetsign/api';
import { decodeFailureReason, type SignJobData, type SignJobResult } from '@fleetsign/queue';
import type { JobState } from 'bullmq';

// The job view's shape is @fleetsign/api's (jobViewSchema); this builds it from BullMQ's job.

/** The view of a job held for approval (not on the sign queue yet). */
export function heldJobView(id: string, selfUrl: string, data: SignJobData, approval: ApprovalView): JobView {
  return {
    id,
    // An approval that is over but not yet enqueued is about to be queued.
    state: approval.state === 'pending' ? 'awaiting_approval' : 'queued',
    profile: data.profile,
    ...(data.requester ? { requester: data.requester } : {}),
    createdAt: data.requestedAt,
    attempts: 0,
    ...(data.metadata ? { metadata: data.metadata } : {}),
    approval,
    links: { self: selfUrl },
  };
}

/** What the gateway reads of a BullMQ job (a structural subset, so views are testable without Redis). */
export interface JobSnapshot<Data, Result> {
  id?: string;
  data: Data;
  timestamp: number;
  finishedOn?: number;
  attemptsMade: number;
  failedReason?: string;
  returnvalue?: Result | null;
}

/** BullMQ states of a job that waits for its next attempt. */
const WAITING_STATES: ReadonlySet<JobState | 'unknown'> = new Set(['waiting', 'delayed', 'prioritized']);

/**
 * Maps BullMQ's states onto the API's: a waiting job that has failed an attempt is
 * `retrying` (it failed for good only in BullMQ's `failed` state).
 */
export function apiJobState(state: JobState | 'unknown', attemptsMade = 0): ApiJobState {
  if (attemptsMade > 0 && WAITING_STATES.has(state)) return 'retrying';
  switch (state) {
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'active':
      return 'active';
    default:
      // waiting, delayed (a retry is scheduled), prioritized, waiting-children: not started (again) yet.
      return 'queued';
  }
}

/** Text of a webhook delivery failure: the message of a JSON reason, else the reason itself. */
export function webhookErrorText(reason: string | undefined): string | undefined {
  if (!reason) return undefined;
  try {
    const parsed = JSON.parse(reason) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // plain text reason
  }
  return reason;
}

/** Maps the webhook job's BullMQ state to a delivery state; no job yet means pending. */
export function webhookView(
  target: { url: string; eventId: string },
  job: { state: JobState | 'unknown'; attemptsMade: number; failedReason?: string } | undefined,
): WebhookDeliveryView {
  if (!job) return { url: target.url, eventId: target.eventId, state: 'pending', attempts: 0 };
  const state: WebhookDeliveryState =
    job.state === 'completed' ? 'delivered' : job.state === 'failed' ? 'failed' : 'pending';
  const lastError = webhookErrorText(job.failedReason);
  return {
    url: target.url,
    eventId: target.eventId,
    state,
    attempts: job.attemptsMade,
    ...(lastError ? { lastError } : {}),
  };
}

/** Everything a job view is built from. */
export interface JobViewInput {
  id: string;
  selfUrl: string;
  job: JobSnapshot<SignJobData, SignJobResult>;
  state: JobState | 'unknown';
  download?: { url: string; expiresAt: string };
  webhook?: WebhookDeliveryView;
}

/**
 * The public part of a signing's result: what the job view and the sign.completed event
 * show of it (the internal fields, such as the signed data length, stay inside).
 */
export function signedOutputView(result: SignJobResult): SignedOutputView {
  return {
    imageSha256: result.imageSha256,
    signedSha256: result.signedSha256,
    signedKey: result.signedKey,
    signedSize: result.signedSize,
    scheme: result.scheme,
    blocks: result.blocks.map((block) => ({ index: block.index, algorithm: block.algorithm, keyDigest: block.keyDigest })),
    timings: result.timings,
    ...(result.reused ? { reused: true } : {}),
    ...(result.policy ? { policy: result.policy } : {}),
    log: result.log,
  };
}

/** Builds the API's view of a sign job. */
export function buildJobView(input: JobViewInput): JobView {
  const { job } = input;
  const state = apiJobState(input.state, job.failedReason ? job.attemptsMade : 0);
  const view: JobView = {
    id: input.id,
    state,
    profile: job.data.profile,
    ...(job.data.requester ? { requester: job.data.requester } : {}),
    ...(job.data.requesterIssuer ? { requesterIssuer: job.data.requesterIssuer } : {}),
    createdAt: job.data.requestedAt ?? new Date(job.timestamp).toISOString(),
    attempts: job.attemptsMade,
    links: { self: input.selfUrl },
  };
  if ((state === 'succeeded' || state === 'failed') && job.finishedOn) {
    view.finishedAt = new Date(job.finishedOn).toISOString();
  }
  if (job.data.metadata) view.metadata = job.data.metadata;
  if (state === 'failed' || state === 'retrying') view.error = decodeFailureReason(job.failedReason);
  const result = job.returnvalue;
  if (state === 'succeeded' && result && input.download) {
    const resultView: JobResultView = {
      ...signedOutputView(result),
      downloadUrl: input.download.url,
      downloadUrlExpiresAt: input.download.expiresAt,
    };
    view.result = resultView;
  }
  if (input.webhook) view.webhook = input.webhook;
  return view;
}
