/** Every BullMQ queue FleetSign uses; nothing else in the project defines a queue name. */
export enum QueueName {
  /** One firmware image to sign (gateway -> signer). */
  Sign = 'sign',
  /** A batch parent whose children are `sign` jobs (gateway -> signer). */
  Batch = 'batch',
  /** One webhook event to deliver (signer -> notifier). */
  Webhook = 'webhook',
}

/** All queue names, in a stable order (for dashboards, metrics and start-up checks). */
export const QUEUE_NAMES: readonly QueueName[] = [QueueName.Sign, QueueName.Batch, QueueName.Webhook];
