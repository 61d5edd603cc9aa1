import type { ApprovalJobData, ApprovalJobResult } from './approval';
import type { BatchJobData, BatchJobResult } from './batch-job';
import { QueueName } from './queue-name';
import type { SignJobData, SignJobResult } from './sign-job';
import type { WebhookJobData, WebhookJobResult } from './webhook-job';

/** Job payload type of each queue: the one place a queue is tied to its data. */
export interface JobPayloads {
  [QueueName.Sign]: SignJobData;
  [QueueName.Batch]: BatchJobData;
  [QueueName.Webhook]: WebhookJobData;
  [QueueName.Approval]: ApprovalJobData;
}

/** Job result type of each queue. */
export interface JobResults {
  [QueueName.Sign]: SignJobResult;
  [QueueName.Batch]: BatchJobResult;
  [QueueName.Webhook]: WebhookJobResult;
  [QueueName.Approval]: ApprovalJobResult;
}
