import { WebhookEventType } from '@fleetsign/api/webhook-events';
import type { JobOrigin } from './job-origin';
import type { JsonObject } from './json';

// The event types and bodies are the public contract's (libs/api); the queue carries them.
export { WebhookEventType };

/**
 * Payload of a `webhook` job. The signing secret is looked up by the notifier from
 * configuration by tenant; it is never part of job data. Its origin is that of the job
 * whose outcome it announces; the request id is sent as the `X-Request-Id` header.
 */
export interface WebhookJobData extends JobOrigin {
  /** Stable event id (`webhook-id`), the receiver's deduplication key. */
  eventId: string;
  tenant: string;
  url: string;
  type: WebhookEventType;
  /** The event body's `data`, checked against the event type's schema (WEBHOOK_EVENT_DATA_SCHEMAS) when queued. */
  payload: JsonObject;
  jobId?: string;
  batchId?: string;
}

/** Return value of a delivered `webhook` job. */
export interface WebhookJobResult {
  /** HTTP status the receiver answered with (2xx). */
  statusCode: number;
  /** ISO-8601 time of the successful delivery. */
  deliveredAt: string;
}
