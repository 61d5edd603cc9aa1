/** Every BullMQ queue FleetSign uses; nothing else in the project defines a queue name. */
export enum QueueName {
  /** One firmware image to sign (gateway -> signer). */
  Sign = 'sign',
  /**
   * A batch's completion: added by the signer that records the last final item (job id =
   * batch id, so once), it writes the manifest and enqueues the batch webhook. The items
   * are ordinary `sign` jobs carrying `batchId` and `batchIndex`.
   */
  Batch = 'batch',
  /** One webhook event to deliver (signer -> notifier). */
  Webhook = 'webhook',
  /**
   * Expiry of a job or batch held for approval: one delayed job per approval (id
   * `exp_<id>`, due at its expiry), so expiry fires across gateway restarts; the gateway
   * runs its worker, which also finishes a release a crashed gateway left half done.
   */
  Approval = 'approval',
}

/** All queue names, in a stable order (for dashboards, metrics and start-up checks). */
export const QUEUE_NAMES: readonly QueueName[] = [QueueName.Sign, QueueName.Batch, QueueName.Webhook, QueueName.Approval];
