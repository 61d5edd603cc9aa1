import { ErrorCode, isFleetSignError } from '@fleetsign/errors';
import { SpanKind, parentContextOf, tracingEnabled, withSpan } from '@fleetsign/observability';
import { type FleetSignProcessor, QueueName, REQUEST_ID_HEADER, UnrecoverableError, type WebhookJobResult } from '@fleetsign/queue';
import type { Logger } from 'pino';
import type { NotifierMetrics } from '../metrics/notifier-metrics';
import { signWebhook } from '../signing/sign-webhook';
import type { TenantSecretStore } from '../signing/webhook-secrets';
import type { TargetPolicy } from '../targets/address-policy';
import { describeTarget, type HostLookup, vetDeliveryTarget } from '../targets/vet-target';
import { DeliveryFailure, retryableFailure } from './delivery-failure';
import { postWebhook } from './post-webhook';
import { webhookEventBody } from './webhook-event';

/** What the webhook processor needs; everything with I/O is handed in. */
export interface WebhookProcessorDeps {
  policy: TargetPolicy;
  secrets: TenantSecretStore;
  /** Time allowed for one attempt's request and response headers. */
  timeoutMs: number;
  /** Most attempts per event (notifier configuration); a job's own `attempts` option can only lower it. */
  maxAttempts: number;
  userAgent: string;
  metrics: NotifierMetrics;
  logger: Logger;
  /** Host name resolver (default: the system resolver, all addresses). */
  lookup?: HostLookup;
  /** Clock for `webhook-timestamp`, in milliseconds (default Date.now). */
  now?: () => number;
}

/**
 * The failure a response status means, or undefined for 2xx. 410 Gone is the receiver
 * asking FleetSign to stop: permanent. Every other status (3xx included: redirects are
 * not followed) is retried.
 */
export function failureForStatus(statusCode: number, url: URL): DeliveryFailure | undefined {
  if (statusCode >= 200 && statusCode < 300) return undefined;
  const where = describeTarget(url);
  if (statusCode === 410) {
    return new DeliveryFailure(
      ErrorCode.WebhookDeliveryFailed,
      `${where} answered 410 Gone: the receiver asked to stop deliveries`,
      'gone',
      true,
      statusCode,
    );
  }
  const redirect = statusCode >= 300 && statusCode < 400 ? ' (redirects are not followed)' : '';
  return retryableFailure('http_error', `${where} answered HTTP ${statusCode}${redirect}`, statusCode);
}

function tenantSecrets(store: TenantSecretStore, tenant: string): string[] {
  try {
    return store.secretsFor(tenant);
  } catch (err) {
    // Retried: the operator can fix the secret file while the event waits.
    if (isFleetSignError(err, ErrorCode.InvalidConfig)) throw retryableFailure('config_error', err.message);
    throw err;
  }
}

function asDeliveryFailure(err: unknown, logger: Logger): DeliveryFailure {
  if (err instanceof DeliveryFailure) return err;
  logger.error({ err }, 'unexpected error while delivering a webhook');
  return new DeliveryFailure(ErrorCode.Internal, 'internal error while delivering the webhook', 'internal_error', false);
}

function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The `webhook` queue processor: vets the target, signs the event with the tenant's
 * secrets and POSTs it once. It never swallows a failure: a retryable one is rethrown
 * for the queue's backoff; a permanent one, or the last allowed attempt, is thrown as
 * UnrecoverableError. Either way the job's failedReason is `{"code","message"}` JSON.
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps): FleetSignProcessor<QueueName.Webhook> {
  const now = deps.now ?? Date.now;
  const deliver: FleetSignProcessor<QueueName.Webhook> = async (job): Promise<WebhookJobResult> => {
    const event = job.data;
    const attempt = job.attemptsMade + 1;
    const allowedAttempts = Math.min(job.opts.attempts ?? 1, deps.maxAttempts);
    const { requestId } = event;
    const log = deps.logger.child({ eventId: event.eventId, tenant: event.tenant, eventType: event.type, attempt, ...(requestId ? { requestId } : {}) });
    let sentAt: bigint | undefined;
    try {
      const target = await vetDeliveryTarget(event.url, deps.policy, deps.lookup);
      const secrets = tenantSecrets(deps.secrets, event.tenant);
      const body = webhookEventBody(event, new Date(job.timestamp));
      const timestamp = Math.floor(now() / 1000);
      const headers = {
        'content-type': 'application/json',
        'user-agent': deps.userAgent,
        'webhook-id': event.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secrets, event.eventId, timestamp, body),
        // The receiver can match the delivery with the request that caused it.
        ...(requestId ? { [REQUEST_ID_HEADER]: requestId } : {}),
      };
      sentAt = process.hrtime.bigint();
      const statusCode = await postWebhook({ target, headers, body, timeoutMs: deps.timeoutMs });
      const failure = failureForStatus(statusCode, target.url);
      if (failure) throw failure;

      const seconds = secondsSince(sentAt);
      deps.metrics.recordAttempt('delivered', seconds);
      deps.metrics.recordFinished('delivered');
      log.info({ target: describeTarget(target.url), statusCode, durationMs: Math.round(seconds * 1000) }, 'webhook delivered');
      return { statusCode, deliveredAt: new Date(now()).toISOString() };
    } catch (err) {
      const failure = asDeliveryFailure(err, log);
      deps.metrics.recordAttempt(failure.outcome, sentAt === undefined ? undefined : secondsSince(sentAt));
      const final = failure.permanent || attempt >= allowedAttempts;
      const fields = { outcome: failure.outcome, code: failure.code, statusCode: failure.statusCode, final };
      if (final) {
        deps.metrics.recordFinished('failed');
        log.error(fields, `webhook delivery failed for good: ${failure.message}`);
        throw new UnrecoverableError(failure.reason);
      }
      log.warn(fields, `webhook delivery failed, will retry: ${failure.message}`);
      throw new Error(failure.reason);
    }
  };
  // With tracing on, each attempt is a span continuing the trace of the signing that queued the event.
  return (job, ...rest) =>
    !tracingEnabled() ? deliver(job, ...rest) : withSpan(
      'webhook delivery',
      {
        kind: SpanKind.CLIENT,
        parent: parentContextOf(job.data.traceContext),
        attributes: { 'fleetsign.event_id': job.data.eventId, 'fleetsign.event_type': job.data.type, 'fleetsign.attempt': job.attemptsMade + 1 },
      },
      () => deliver(job, ...rest),
    );
}
