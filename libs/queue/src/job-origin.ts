/**
 * W3C Trace Context of the span a job was queued under (the `traceparent` and
 * `tracestate` headers, https://www.w3.org/TR/trace-context/), so the process that runs
 * the job continues the same trace. Present only when tracing is on.
 */
export interface JobTraceContext {
  traceparent: string;
  tracestate?: string;
}

/**
 * Where a job came from, carried from the HTTP request into every job it causes (sign,
 * batch item, batch, webhook): the request id that the gateway returned as
 * `X-Request-Id` and logs, so the signer's and notifier's log lines and the webhook
 * delivery carry it too; and the trace context when tracing is on.
 */
export interface JobOrigin {
  /** The `X-Request-Id` of the HTTP request that caused the job (see `isValidRequestId`). */
  requestId?: string;
  traceContext?: JobTraceContext;
}

/** The header a request id travels in, on requests, responses and webhook deliveries. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** Longest request id accepted from a client. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Visible ASCII a request id may use: what UUIDs, ULIDs and tracing tools' ids are made of. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]*$/;

/**
 * True for a request id FleetSign accepts from a client: 1-128 characters of letters,
 * digits and `._:@/+=-`, starting with a letter or digit. Anything else is replaced by a
 * fresh id, so no client can put control characters or megabytes into the logs.
 */
export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID.test(value);
}

/** The origin fields of a job's data, to spread into the data of a job it causes. */
export function jobOriginOf(data: JobOrigin): JobOrigin {
  return {
    ...(data.requestId ? { requestId: data.requestId } : {}),
    ...(data.traceContext ? { traceContext: data.traceContext } : {}),
  };
}
