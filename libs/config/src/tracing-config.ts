import { z } from 'zod';
import { type Env, flag, httpUrl, parseEnvSettings } from './env-settings';

/**
 * OpenTelemetry tracing, read from the standard OTEL_* variables (the ones every
 * OpenTelemetry SDK and collector guide names), so an operator configures FleetSign
 * like any other traced service. Off unless an OTLP endpoint is set or
 * OTEL_TRACES_EXPORTER=otlp asks for the default endpoint.
 */
export type TracingConfig =
  | { enabled: false }
  | {
      enabled: true;
      /** Where spans are sent, OTLP over HTTP with JSON bodies (`…/v1/traces`). */
      tracesUrl: string;
    };

export const TRACING_ENV = {
  disabled: 'OTEL_SDK_DISABLED',
  exporter: 'OTEL_TRACES_EXPORTER',
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  tracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  protocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  tracesProtocol: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
} as const;

/** The OTLP/HTTP default of the specification, used when only OTEL_TRACES_EXPORTER=otlp is set. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** The one OTLP protocol FleetSign's exporter speaks. */
export const OTLP_PROTOCOL = 'http/json';

const protocolSchema = z
  .literal(OTLP_PROTOCOL, { error: `FleetSign exports traces as ${OTLP_PROTOCOL} only` })
  .optional();

const tracingEnvSchema = z.object({
  disabled: flag().optional(),
  exporter: z
    .string()
    .transform((text) => text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean))
    .pipe(z.array(z.enum(['otlp', 'none'], { error: "must be 'otlp' or 'none'" })))
    .optional(),
  endpoint: httpUrl().optional(),
  tracesEndpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  protocol: protocolSchema,
  tracesProtocol: protocolSchema,
});

/** Whether and where the process exports traces; a bad OTEL_* value is InvalidConfig naming the variable. */
export function loadTracingConfig(env: Env): TracingConfig {
  const settings = parseEnvSettings(tracingEnvSchema, TRACING_ENV, env);
  if (settings.disabled === true || settings.exporter?.includes('none')) return { enabled: false };
  const configured = settings.exporter?.includes('otlp') || settings.endpoint !== undefined || settings.tracesEndpoint !== undefined;
  if (!configured) return { enabled: false };
  // The signal-specific variable is the whole URL; the general one is a base the path is added to.
  const tracesUrl = settings.tracesEndpoint ?? `${settings.endpoint ?? DEFAULT_OTLP_ENDPOINT}/v1/traces`;
  return { enabled: true, tracesUrl };
}
