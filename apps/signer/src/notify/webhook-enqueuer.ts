import { originOfFollowUpJob } from '@fleetsign/observability';
import {
  type FleetSignJob,
  type FleetSignQueue,
  type JsonObject,
  QueueName,
  type SignJobResult,
  type WebhookJobData,
  WebhookEventType,
} from '@fleetsign/queue';

type SignJob = Pick<FleetSignJob<QueueName.Sign>, 'id' | 'data'>;

/** The event's `data`: the job as the gateway reports it. */
function eventPayload(job: SignJob, state: 'succeeded' | 'failed', extra: JsonObject): JsonObject {
  const { data } = job;
  return JSON.parse(
    JSON.stringify({
      jobId: job.id,
      tenant: data.tenant,
      ...(data.requester ? { requester: data.requester } : {}),
      state,
      profile: data.profile,
      ...(data.batchId ? { batchId: data.batchId } : {}),
      ...extra,
      ...(data.approval ? { approval: data.approval } : {}),
      ...(data.metadata ? { metadata: data.metadata } : {}),
    }),
  ) as JsonObject;
}

/**
 * Hands a sign job's final state to the notifier as a `webhook` job whose id is the
 * event id: enqueuing again on a retry finds the existing job instead of adding one.
 */
export class WebhookEnqueuer {
  constructor(private readonly queue: FleetSignQueue<QueueName.Webhook>) {}

  /** Enqueues the job's success event, if the job asked for a webhook. */
  async jobSucceeded(job: SignJob, result: SignJobResult): Promise<void> {
    await this.enqueue(job, WebhookEventType.SignCompleted, () => eventPayload(job, 'succeeded', { result: result as unknown as JsonObject }));
  }

  /** Enqueues the job's failure event, if the job asked for a webhook. */
  async jobFailed(job: SignJob, error: { code: string; message: string }): Promise<void> {
    await this.enqueue(job, WebhookEventType.SignFailed, () => eventPayload(job, 'failed', { error: { code: error.code, message: error.message } }));
  }

  /** `payload` is only built when there is an event to send (most batch items have none). */
  private async enqueue(job: SignJob, type: WebhookEventType, payload: () => JsonObject): Promise<void> {
    const target = job.data.webhook;
    if (!target || !job.id) return;
    const data: WebhookJobData = {
      eventId: target.eventId,
      tenant: job.data.tenant,
      url: target.url,
      type,
      payload: payload(),
      jobId: job.id,
      ...(job.data.batchId ? { batchId: job.data.batchId } : {}),
      ...originOfFollowUpJob(job.data),
    };
    await this.queue.add(QueueName.Webhook, data, { jobId: target.eventId });
  }
}
