import { ErrorCode } from '@fleetsign/errors';
import { encodeFailureReason } from '@fleetsign/queue';

/** Why one delivery attempt did not deliver: a metrics label and a log field. */
export type FailedAttemptOutcome =
  /** The target's address is not allowed (private, loopback, ...) or its URL is unusable. */
  | 'refused'
  /** The receiver answered 410 Gone: it asked to receive no more events. */
  | 'gone'
  /** The receiver answered with another status outside 2xx. */
  | 'http_error'
  /** No complete response within the configured timeout. */
  | 'timeout'
  /** DNS, connection, TLS or socket error. */
  | 'network_error'
  /** The tenant's webhook secret is missing or unusable. */
  | 'config_error'
  /** A defect in the notifier itself (logged with its stack). */
  | 'internal_error';

/** Every outcome of one attempt, for metrics. */
export type AttemptOutcome = 'delivered' | FailedAttemptOutcome;

/**
 * A failed delivery attempt. `permanent` failures are never retried; the others are
 * retried by the queue with backoff until the attempts run out.
 */
export class DeliveryFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly outcome: FailedAttemptOutcome,
    readonly permanent: boolean,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }

  /** The job's failure reason as the gateway parses it: `{"code":"...","message":"..."}`. */
  get reason(): string {
    return encodeFailureReason({ code: this.code, message: this.message });
  }
}

/** The target was refused before any connection: never retried. */
export function targetRefused(message: string): DeliveryFailure {
  return new DeliveryFailure(ErrorCode.WebhookTargetRefused, message, 'refused', true);
}

/** A failure worth retrying later (network, timeout, 5xx, ...). */
export function retryableFailure(outcome: FailedAttemptOutcome, message: string, statusCode?: number): DeliveryFailure {
  const code = outcome === 'config_error' ? ErrorCode.InvalidConfig : ErrorCode.WebhookDeliveryFailed;
  return new DeliveryFailure(code, message, outcome, false, statusCode);
}
