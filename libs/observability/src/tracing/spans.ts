import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { JobOrigin, JobTraceContext } from '@fleetsign/queue';

/** The instrumentation scope of every FleetSign span. */
export const FLEETSIGN_TRACER = 'fleetsign';

// Set once by startProcessTracing. While it is false no span object is made at all,
// so a process without tracing does no per-request or per-job tracing work.
let enabled = false;

/** Called by startProcessTracing once the SDK is registered. */
export function markTracingEnabled(): void {
  enabled = true;
}

/** True when this process exports traces. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** How a span is started. */
export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent; default the active context. */
  parent?: Context;
}

/**
 * Runs `fn` inside a span named `name` that is active for everything `fn` awaits, ends
 * it when `fn` settles and records a thrown error on it. Without tracing `fn` runs
 * alone (span undefined).
 */
export async function withSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T> | T): Promise<T> {
  if (!enabled) return fn(undefined);
  const tracer = trace.getTracer(FLEETSIGN_TRACER);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's message (never its details: they may name objects or settings). */
export function recordFailure(span: Span, err: unknown): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException({ name: error.name, message: error.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The trace context of `ctx`'s span as W3C headers, for a job's data; undefined without a recording span. */
export function traceContextOf(ctx: Context = context.active()): JobTraceContext | undefined {
  if (!enabled || !trace.getSpan(ctx)?.isRecording()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return undefined;
  return { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}

/** The context a job's trace context continues (a fresh trace when the job has none). */
export function parentContextOf(traceContext: JobTraceContext | undefined): Context {
  return traceContext ? propagation.extract(ROOT_CONTEXT, traceContext) : ROOT_CONTEXT;
}

/** The context an HTTP request's `traceparent`/`tracestate` headers continue. */
export function parentContextOfHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

export { SpanKind, type Span };

/**
 * The origin of a job queued while processing a job with origin `cause`: the same
 * request id, and the trace context of the span active now (the processing step), so
 * the new job's spans are children of it; the cause's own context without tracing.
 */
export function originOfFollowUpJob(cause: JobOrigin): JobOrigin {
  const traceContext = traceContextOf() ?? cause.traceContext;
  return { ...(cause.requestId ? { requestId: cause.requestId } : {}), ...(traceContext ? { traceContext } : {}) };
}
