import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { loadTracingConfig } from './tracing-config';

describe('loadTracingConfig', () => {
  it('is off when nothing OpenTelemetry is set', () => {
    expect(loadTracingConfig({})).toEqual({ enabled: false });
    expect(loadTracingConfig({ OTEL_SERVICE_NAME: 'signer-eu' })).toEqual({ enabled: false });
  });

  it('sends to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces', () => {
    expect(loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      enabled: true,
      tracesUrl: 'http://collector:4318/v1/traces',
    });
  });

  it('takes the traces endpoint as the whole URL, ahead of the general one', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b.example/otlp/traces' };
    expect(loadTracingConfig(env)).toEqual({ enabled: true, tracesUrl: 'https://b.example/otlp/traces' });
  });

  it('uses the specification default endpoint for OTEL_TRACES_EXPORTER=otlp alone', () => {
    expect(loadTracingConfig({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ enabled: true, tracesUrl: 'http://localhost:4318/v1/traces' });
  });

  it('stays off when disabled, whatever endpoint is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTracingConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false });
    expect(loadTracingConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({ enabled: false });
  });

  it('refuses settings it cannot honour, naming the variable', () => {
    const refused = (env: Record<string, string>, variable: string) => {
      let error: unknown;
      try {
        loadTracingConfig(env);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(FleetSignError);
      expect((error as FleetSignError).code).toBe(ErrorCode.InvalidConfig);
      expect((error as FleetSignError).message).toContain(variable);
    };
    refused({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER');
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT');
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL');
    refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  });
});
