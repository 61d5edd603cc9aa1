import { createServiceRegistry } from '@fleetsign/observability';
import { Counter, Histogram } from 'prom-client';
import type { AttemptOutcome } from '../delivery/delivery-failure';

/** How an event ended: delivered, or failed for good (refused, gone, or out of attempts). */
export type EventFinalState = 'delivered' | 'failed';

/**
 * The notifier's Prometheus metrics in a registry of its own, so two notifiers in one
 * process (tests) never collide on the global registry.
 */
export class NotifierMetrics {
  readonly registry = createServiceRegistry('notifier');

  readonly attempts = new Counter({
    name: 'fleetsign_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, refused, gone, http_error, timeout, network_error, config_error, internal_error)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'fleetsign_webhook_events_finished_total',
    help: 'Webhook events whose delivery ended, by final state (delivered, failed)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'fleetsign_webhook_delivery_duration_seconds',
    help: 'Time from sending a webhook to the receiver answering (or the attempt failing), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  /** Records one attempt that reached the network (or was refused before it). */
  recordAttempt(outcome: AttemptOutcome, seconds?: number): void {
    this.attempts.inc({ outcome });
    if (seconds !== undefined) this.latency.observe({ outcome }, seconds);
  }

  /** Records the end of an event's delivery. */
  recordFinished(state: EventFinalState): void {
    this.events.inc({ state });
  }
}
