import type { JsonObject, WebhookJobData } from '@fleetsign/queue';

/** The JSON body of every webhook FleetSign sends. */
export interface WebhookEventBody {
  /** The event id, also sent as `webhook-id`. */
  id: string;
  type: string;
  /** When the event happened (ISO-8601): the same on every delivery attempt. */
  timestamp: string;
  data: JsonObject;
}

/**
 * Serialises the event of a webhook job. `occurredAt` is when the event was enqueued,
 * so every retry sends byte-identical bodies under the same id.
 */
export function webhookEventBody(event: WebhookJobData, occurredAt: Date): string {
  const body: WebhookEventBody = {
    id: event.eventId,
    type: event.type,
    timestamp: occurredAt.toISOString(),
    data: event.payload,
  };
  return JSON.stringify(body);
}
