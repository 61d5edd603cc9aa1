import { ErrorCode } from '@fleetsign/errors';
import type { SignJobData, SignJobLogReceipt, SignJobResult, SignJobTimings, SignedBlockInfo } from '@fleetsign/queue';
import type { JobState } from 'bullmq';

/** Job states as the API reports them. */
export type ApiJobState = 'queued' | 'active' | 'succeeded' | 'failed';

/** Webhook delivery states as the API reports them. */
export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** A job's failure as `{code, message}`. */
export interface JobErrorView {
  code: string;
  message: string;
}

/** The signed output of a succeeded job. */
export interface JobResultView {
  imageSha256: string;
  signedSha256: string;
  signedKey: string;
  signedSize: number;
  scheme: string;
  downloadUrl: string;
  downloadUrlExpiresAt: string;
  blocks: SignedBlockInfo[];
  timings: SignJobTimings;
  /** True when no new signature was made: an earlier signing of the same image (or attempt of the job) was reused. */
  reused?: boolean;
  /** The signing's place in the transparency log. */
  log: SignJobLogReceipt;
}

/** Delivery of the job's completion event. */
export interface WebhookView {
  url: string;
  eventId: string;
  state: WebhookDeliveryState;
  attempts: number;
  lastError?: string;
}

/** Body of `GET /v1/jobs/:id`. */
export interface JobView {
  id: string;
  state: ApiJobState;
  profile: string;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  metadata?: Record<string, string>;
  error?: JobErrorView;
  result?: JobResultView;
  webhook?: WebhookView;
  links: { self: string };
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

/** Maps BullMQ's states onto the four the API promises. */
export function apiJobState(state: JobState | 'unknown'): ApiJobState {
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

const ERROR_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Reads a failure reason the signer wrote as JSON `{"code","message"}`. Anything else
 * (an unexpected crash) is reported without its text, which may name internals.
 */
export function parseFailedReason(reason: string | undefined): JobErrorView {
  if (reason) {
    try {
      const parsed = JSON.parse(reason) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === 'string' && ERROR_CODES.has(parsed.code) && typeof parsed.message === 'string') {
        return { code: parsed.code, message: parsed.message };
      }
    } catch {
      // not JSON: fall through to the generic error
    }
  }
  return { code: ErrorCode.Internal, message: 'The signer failed with an unexpected error' };
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
): WebhookView {
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
  webhook?: WebhookView;
}

/** Builds the API's view of a sign job. */
export function buildJobView(input: JobViewInput): JobView {
  const { job } = input;
  const state = apiJobState(input.state);
  const view: JobView = {
    id: input.id,
    state,
    profile: job.data.profile,
    createdAt: job.data.requestedAt ?? new Date(job.timestamp).toISOString(),
    attempts: job.attemptsMade,
    links: { self: input.selfUrl },
  };
  if ((state === 'succeeded' || state === 'failed') && job.finishedOn) {
    view.finishedAt = new Date(job.finishedOn).toISOString();
  }
  if (job.data.metadata) view.metadata = job.data.metadata;
  if (state === 'failed') view.error = parseFailedReason(job.failedReason);
  const result = job.returnvalue;
  if (state === 'succeeded' && result && input.download) {
    view.result = {
      imageSha256: result.imageSha256,
      signedSha256: result.signedSha256,
      signedKey: result.signedKey,
      signedSize: result.signedSize,
      scheme: result.scheme,
      downloadUrl: input.download.url,
      downloadUrlExpiresAt: input.download.expiresAt,
      blocks: result.blocks,
      timings: result.timings,
      ...(result.reused ? { reused: true } : {}),
      log: result.log,
    };
  }
  if (input.webhook) view.webhook = input.webhook;
  return view;
}
