import { z } from 'zod';
import { awaitingApprovalDataSchema } from './approvals';
import { batchEventDataSchema } from './batches';
import { errorViewSchema } from './common';
import { jobEventDataSchema, signedOutputSchema } from './jobs';

// The JSON bodies of the webhooks FleetSign sends (signed per Standard Webhooks: the
// webhook-id, webhook-timestamp and webhook-signature headers).

/** Event types FleetSign delivers (the body's `type`). */
export enum WebhookEventType {
  SignCompleted = 'sign.completed',
  SignFailed = 'sign.failed',
  BatchCompleted = 'batch.completed',
  /** A job or batch of a profile with approvals is held until its approvers decide (one event per batch). */
  SignAwaitingApproval = 'sign.awaiting_approval',
}

/**
 * Version of the event bodies below. It changes only when a field is removed or changes
 * meaning; new optional fields keep it, so receivers must ignore fields they do not know.
 */
export const WEBHOOK_EVENT_VERSION = 1;

/** `data` of `sign.completed`: the job at its end, with its signed output. */
export const signCompletedDataSchema = jobEventDataSchema.extend({
  state: z.literal('succeeded'),
  result: signedOutputSchema,
});
export type SignCompletedData = z.output<typeof signCompletedDataSchema>;

/** `data` of `sign.failed`: the job at its end, with the reason it failed for good. */
export const signFailedDataSchema = jobEventDataSchema.extend({
  state: z.literal('failed'),
  error: errorViewSchema,
});
export type SignFailedData = z.output<typeof signFailedDataSchema>;

function eventSchema<T extends WebhookEventType, D extends z.ZodType>(type: T, data: D, description: string) {
  return z
    .object({
      id: z.string().describe('The event id, also sent as webhook-id: the same on every delivery attempt'),
      type: z.literal(type),
      version: z.literal(WEBHOOK_EVENT_VERSION).describe('Version of this body layout'),
      timestamp: z.string().describe('ISO-8601 time the event happened (the same on every attempt)'),
      data,
    })
    .describe(description);
}

export const signCompletedEventSchema = eventSchema(
  WebhookEventType.SignCompleted,
  signCompletedDataSchema,
  'A job (or batch item with its own webhook) succeeded',
);
export const signFailedEventSchema = eventSchema(
  WebhookEventType.SignFailed,
  signFailedDataSchema,
  'A job failed for good (transient faults are retried first)',
);
export const batchCompletedEventSchema = eventSchema(
  WebhookEventType.BatchCompleted,
  batchEventDataSchema,
  'Every item of a batch succeeded or failed and its manifest is written',
);

export const awaitingApprovalEventSchema = eventSchema(
  WebhookEventType.SignAwaitingApproval,
  awaitingApprovalDataSchema,
  'A job or batch of a profile with approval waits for its approvers (no HSM operation before they decide)',
);

/** Every webhook body FleetSign sends, told apart by `type`. */
export const webhookEventSchema = z.discriminatedUnion('type', [
  signCompletedEventSchema,
  signFailedEventSchema,
  batchCompletedEventSchema,
  awaitingApprovalEventSchema,
]);
export type WebhookEvent = z.output<typeof webhookEventSchema>;

/** The `data` each event type carries. */
export type WebhookEventData<T extends WebhookEventType> = Extract<WebhookEvent, { type: T }>['data'];

/** The schema of each event type's `data`, to check a payload before it is queued. */
export const WEBHOOK_EVENT_DATA_SCHEMAS = {
  [WebhookEventType.SignCompleted]: signCompletedDataSchema,
  [WebhookEventType.SignFailed]: signFailedDataSchema,
  [WebhookEventType.BatchCompleted]: batchEventDataSchema,
  [WebhookEventType.SignAwaitingApproval]: awaitingApprovalDataSchema,
} as const satisfies Record<WebhookEventType, z.ZodType>;
