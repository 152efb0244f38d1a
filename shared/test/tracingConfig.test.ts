/**
 * The OTEL_* variables: off unless an endpoint is set, the standard way of
 * combining the generic and the traces-only variables, and every bad value
 * reported by name (header values never echoed).
 */
import { ConfigError, loadConfig, tracingSummary } from '@timer/shared';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('no problem reported');
}

describe('tracing settings', () => {
  it('are off by default, and say so', () => {
    const { tracing } = loadConfig({});
    expect(tracing).toMatchObject({ enabled: false, endpoint: null, protocol: 'http/protobuf' });
    expect(tracingSummary(tracing)).toBe('off');
  });

  it('turn on with an endpoint, which gets the traces path, and default to parent-based sampling', () => {
    const { tracing } = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(tracing).toMatchObject({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      exportDelayMs: 5000,
    });
  });

  it('take the traces-only variables over the generic ones, the endpoint as given', () => {
    const { tracing } = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-generic=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=s%3Dcret,x-team=timers',
      OTEL_SERVICE_NAME: 'timers-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    expect(tracing).toEqual({
      enabled: true,
      endpoint: 'https://traces.example/otlp',
      protocol: 'http/json',
      headers: { 'api-key': 's=cret', 'x-team': 'timers' },
      serviceName: 'timers-eu',
      resourceAttributes: { 'deployment.environment': 'prod' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      exportDelayMs: 200,
    });
    expect(tracingSummary(tracing)).toBe(
      'on (http/json to https://traces.example/otlp, parentbased_traceidratio 0.25)',
    );
  });

  it('stay off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing.enabled).toBe(false);
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled).toBe(false);
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).tracing.enabled).toBe(true);
  });

  it('report every bad value by name, without echoing header values', () => {
    const message = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      OTEL_BSP_SCHEDULE_DELAY: 'soon',
      OTEL_SDK_DISABLED: 'maybe',
      OTEL_TRACES_EXPORTER: 'zipkin',
      OTEL_EXPORTER_OTLP_HEADERS: 'secret-token-without-name',
    });
    for (const name of [
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL',
      'OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, got "grpc" (gRPC is not built in: point it at the collector\'s OTLP/HTTP port, 4318)',
      'OTEL_TRACES_SAMPLER must be one of',
      'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1',
      'OTEL_BSP_SCHEDULE_DELAY must be a whole number',
      'OTEL_SDK_DISABLED must be true or false',
      'OTEL_TRACES_EXPORTER must be otlp or none',
      'OTEL_EXPORTER_OTLP_HEADERS entry 1 must be key=value',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('secret-token');
  });
});
