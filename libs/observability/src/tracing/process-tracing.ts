import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TracingConfig } from '@fleetsign/config';
import type { Logger } from 'pino';
import { markTracingEnabled } from './spans';

/** A process's running trace export; `shutdown` sends the spans still buffered. */
export interface ProcessTracing {
  shutdown(): Promise<void>;
}

/** OpenTelemetry's own complaints (an unreachable collector) go to the process log as warnings, never as errors of FleetSign. */
function diagLoggerFor(logger: Logger): DiagLogger {
  const log = logger.child({ component: 'otel' });
  return {
    error: (message, ...args) => log.warn({ args }, message),
    warn: (message, ...args) => log.warn({ args }, message),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
}

/**
 * Starts exporting this process's spans over OTLP/HTTP (JSON) when tracing is
 * configured, and returns undefined (nothing registered, no per-job work) when it is
 * not. Spans are batched (OTEL_BSP_* variables) and sent in the background; the
 * resource is `service.name` = `serviceName` unless OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES say otherwise.
 */
export function startProcessTracing(serviceName: string, config: TracingConfig, logger: Logger): ProcessTracing | undefined {
  if (!config.enabled) return undefined;
  diag.setLogger(diagLoggerFor(logger), DiagLogLevel.WARN);
  const resource = resourceFromAttributes({ 'service.name': serviceName }).merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  // The AsyncLocalStorage context manager and the W3C Trace Context propagator.
  provider.register();
  markTracingEnabled();
  logger.info({ tracesUrl: config.tracesUrl }, 'exporting OpenTelemetry traces');
  return { shutdown: () => provider.shutdown() };
}

/** `running` whose close also sends the spans still buffered (after the process's own work has stopped). */
export function stopsWithTracing<R extends { close(): Promise<void> }>(running: R, tracing: ProcessTracing | undefined): { close(): Promise<void> } {
  if (!tracing) return running;
  return {
    close: async () => {
      try {
        await running.close();
      } finally {
        await tracing.shutdown().catch(() => undefined);
      }
    },
  };
}
