import type { DefaultJobOptions, KeepJobs } from 'bullmq';
import { QueueName } from './queue-name';
import { SIGN_JOB_MAX_ATTEMPTS, SIGN_RETRY_BACKOFF, SIGN_RETRY_FIRST_DELAY_MS } from './retry-policy';

const HOUR = 3600;
const DAY = 24 * HOUR;

/** How many finished jobs a queue keeps in Redis: `age` in seconds, `count` newest kept. */
export interface QueueRetention {
  completed: KeepJobs;
  failed: KeepJobs;
}

/**
 * Completed sign jobs stay one day: the idempotency window in which a retried request
 * finds its job (and result) again. Failed ones stay a week for investigation.
 */
export const SIGN_QUEUE_RETENTION: QueueRetention = {
  completed: { age: DAY, count: 50_000 },
  failed: { age: 7 * DAY, count: 50_000 },
};

/** Batches are few and their state is looked up for longer than single jobs. */
export const BATCH_QUEUE_RETENTION: QueueRetention = {
  completed: { age: 7 * DAY, count: 1_000 },
  failed: { age: 30 * DAY, count: 1_000 },
};

/** Delivered events are only needed briefly; failed deliveries are kept for a re-drive. */
export const WEBHOOK_QUEUE_RETENTION: QueueRetention = {
  completed: { age: DAY, count: 10_000 },
  failed: { age: 14 * DAY, count: 10_000 },
};

/**
 * Sign attempts: transient HSM/store/KMS/Redis faults retry with the sign worker's
 * capped backoff until its retry horizon is spent (retry-policy.ts); the count is only a cap.
 */
export const SIGN_JOB_ATTEMPTS = SIGN_JOB_MAX_ATTEMPTS;
export const SIGN_JOB_BACKOFF_MS = SIGN_RETRY_FIRST_DELAY_MS;

/**
 * Times a job may be taken back from a signer that died (lock expired) before BullMQ
 * fails it: high, because a killed signer is an infrastructure fault, never the job's;
 * the bound only stops a job that kills every signer that takes it.
 */
export const SIGN_JOB_MAX_STALLED = 20;

/** Batch parent attempts (writing the manifest and the batch event). */
export const BATCH_JOB_ATTEMPTS = 3;
export const BATCH_JOB_BACKOFF_MS = 10_000;

/** Webhook delivery attempts: 5 s doubling to ~21 min, about 42 min in all, so a receiver can come back. */
export const WEBHOOK_JOB_ATTEMPTS = 10;
export const WEBHOOK_JOB_BACKOFF_MS = 5_000;

/** Expiry jobs: kept a week for investigation; a failed one (Redis trouble) is kept longer. */
export const APPROVAL_QUEUE_RETENTION: QueueRetention = {
  completed: { age: 7 * DAY, count: 10_000 },
  failed: { age: 30 * DAY, count: 10_000 },
};

/** Expiry attempts: Redis faults retry 5 s doubling (about 85 min in all). */
export const APPROVAL_JOB_ATTEMPTS = 10;
export const APPROVAL_JOB_BACKOFF_MS = 5_000;

/** Retention per queue. */
export const QUEUE_RETENTION: Readonly<Record<QueueName, QueueRetention>> = {
  [QueueName.Sign]: SIGN_QUEUE_RETENTION,
  [QueueName.Batch]: BATCH_QUEUE_RETENTION,
  [QueueName.Webhook]: WEBHOOK_QUEUE_RETENTION,
  [QueueName.Approval]: APPROVAL_QUEUE_RETENTION,
};

function jobOptions(attempts: number, backoffMs: number, retention: QueueRetention, backoffType = 'exponential'): DefaultJobOptions {
  return {
    attempts,
    backoff: { type: backoffType, delay: backoffMs },
    removeOnComplete: retention.completed,
    removeOnFail: retention.failed,
  };
}

/** Default options of every job added to each queue (applied by `createQueue`). */
export const DEFAULT_JOB_OPTIONS: Readonly<Record<QueueName, DefaultJobOptions>> = {
  [QueueName.Sign]: jobOptions(SIGN_JOB_ATTEMPTS, SIGN_JOB_BACKOFF_MS, SIGN_QUEUE_RETENTION, SIGN_RETRY_BACKOFF),
  [QueueName.Batch]: jobOptions(BATCH_JOB_ATTEMPTS, BATCH_JOB_BACKOFF_MS, BATCH_QUEUE_RETENTION),
  [QueueName.Webhook]: jobOptions(WEBHOOK_JOB_ATTEMPTS, WEBHOOK_JOB_BACKOFF_MS, WEBHOOK_QUEUE_RETENTION),
  [QueueName.Approval]: jobOptions(APPROVAL_JOB_ATTEMPTS, APPROVAL_JOB_BACKOFF_MS, APPROVAL_QUEUE_RETENTION),
};
