import { originOfFollowUpJob } from '@fleetsign/observability';
import {
  type SignCompletedData,
  type SignFailedData,
  WEBHOOK_EVENT_DATA_SCHEMAS,
  signedOutputSchema,
} from '@fleetsign/api';
import {
  approvalViewOfVerdict,
  type FleetSignJob,
  type FleetSignQueue,
  type JsonObject,
  QueueName,
  type SignJobResult,
  type WebhookJobData,
  WebhookEventType,
} from '@fleetsign/queue';

type SignJob = Pick<FleetSignJob<QueueName.Sign>, 'id' | 'data' | 'attemptsMade'>;

/**
 * The fields of the public job view (@fleetsign/api jobEventDataSchema) at the job's end.
 * `attemptsMade` counts the attempts before this one, which is the last.
 */
function jobAtItsEnd(job: SignJob & { id: string }, finishedAt: Date) {
  const { data } = job;
  return {
    id: job.id,
    profile: data.profile,
    ...(data.requester ? { requester: data.requester } : {}),
    createdAt: data.requestedAt,
    finishedAt: finishedAt.toISOString(),
    attempts: job.attemptsMade + 1,
    ...(data.metadata ? { metadata: data.metadata } : {}),
    ...(data.batchId ? { batchId: data.batchId } : {}),
    ...(data.requesterIssuer ? { requesterIssuer: data.requesterIssuer } : {}),
    ...(data.approval ? { approval: approvalViewOfVerdict(data.approval) } : {}),
  };
}

/**
 * Hands a sign job's final state to the notifier as a `webhook` job whose id is the
 * event id: enqueuing again on a retry finds the existing job instead of adding one.
 * The event's `data` is the public job view, parsed with its schema so nothing internal
 * (tenant, signed data length, the source object) reaches a receiver.
 */
export class WebhookEnqueuer {
  constructor(
    private readonly queue: FleetSignQueue<QueueName.Webhook>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Enqueues the job's success event, if the job asked for a webhook. */
  async jobSucceeded(job: SignJob, result: SignJobResult): Promise<void> {
    await this.enqueue(job, WebhookEventType.SignCompleted, (id): SignCompletedData => ({
      ...jobAtItsEnd({ ...job, id }, this.now()),
      state: 'succeeded',
      result: signedOutputSchema.parse(result),
    }));
  }

  /** Enqueues the job's failure event, if the job asked for a webhook. */
  async jobFailed(job: SignJob, error: { code: string; message: string }): Promise<void> {
    await this.enqueue(job, WebhookEventType.SignFailed, (id): SignFailedData => ({
      ...jobAtItsEnd({ ...job, id }, this.now()),
      state: 'failed',
      error: { code: error.code, message: error.message },
    }));
  }

  /** `payload` is only built when there is an event to send (most batch items have none). */
  private async enqueue(
    job: SignJob,
    type: WebhookEventType.SignCompleted | WebhookEventType.SignFailed,
    payload: (jobId: string) => SignCompletedData | SignFailedData,
  ): Promise<void> {
    const target = job.data.webhook;
    if (!target || !job.id) return;
    const data: WebhookJobData = {
      eventId: target.eventId,
      tenant: job.data.tenant,
      url: target.url,
      type,
      payload: WEBHOOK_EVENT_DATA_SCHEMAS[type].parse(payload(job.id)) as JsonObject,
      jobId: job.id,
      ...(job.data.batchId ? { batchId: job.data.batchId } : {}),
      ...originOfFollowUpJob(job.data),
    };
    await this.queue.add(QueueName.Webhook, data, { jobId: target.eventId });
  }
}
