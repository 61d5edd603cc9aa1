import { WEBHOOK_EVENT_VERSION } from '@fleetsign/api';
import type { JsonObject, WebhookJobData } from '@fleetsign/queue';

/**
 * The JSON body of every webhook FleetSign sends: the envelope of @fleetsign/api's
 * webhookEventSchema, whose `data` the signer checked against the event type's schema.
 */
export interface WebhookEventBody {
  /** The event id, also sent as `webhook-id`. */
  id: string;
  type: WebhookJobData['type'];
  version: typeof WEBHOOK_EVENT_VERSION;
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
    version: WEBHOOK_EVENT_VERSION,
    timestamp: occurredAt.toISOString(),
    data: event.payload,
  };
  return JSON.stringify(body);
}
