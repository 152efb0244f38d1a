/**
 * The tracing settings, read from the standard OpenTelemetry variables by the
 * config module (config.ts calls readTracing with its Reader): which are read,
 * how they combine, and what "off" means. Nothing here loads OpenTelemetry.
 */

export const TRACE_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type TraceProtocol = (typeof TRACE_PROTOCOLS)[number];

export const TRACE_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TraceSampler = (typeof TRACE_SAMPLERS)[number];

export interface TracingConfig {
  /** Off unless an OTLP endpoint is set (and neither OTEL_SDK_DISABLED nor OTEL_TRACES_EXPORTER=none says no). */
  readonly enabled: boolean;
  /** Where spans are POSTed: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  readonly endpoint: string | null;
  readonly protocol: TraceProtocol;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: sent with every export (a collector's API key). Never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_SERVICE_NAME; null: the process's own name (timer-api, timer-controller, timer-service). */
  readonly serviceName: string | null;
  /** OTEL_RESOURCE_ATTRIBUTES: `key=value` pairs on every span's resource. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly sampler: TraceSampler;
  /** The ratio of the *traceidratio samplers, 0–1. */
  readonly samplerRatio: number;
  /** OTEL_BSP_SCHEDULE_DELAY: the most milliseconds a finished span waits to be exported. */
  readonly exportDelayMs: number;
}

type Env = Record<string, string | undefined>;

/** Reads the OTEL_* variables; every problem goes to `problems`. */
export function readTracing(env: Env, problems: string[]): TracingConfig {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const disabled = readBoolean(value('OTEL_SDK_DISABLED'), 'OTEL_SDK_DISABLED', problems);
  const exporter = value('OTEL_TRACES_EXPORTER') ?? 'otlp';
  if (exporter !== 'otlp' && exporter !== 'none') {
    problems.push(`OTEL_TRACES_EXPORTER must be otlp or none, got "${exporter}"`);
  }
  const endpoint = readEndpoint(
    value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
    value('OTEL_EXPORTER_OTLP_ENDPOINT'),
    problems,
  );
  const protocolName = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolName) ?? 'http/protobuf';
  if (!(TRACE_PROTOCOLS as readonly string[]).includes(protocol)) {
    const hint = protocol === 'grpc' ? " (gRPC is not built in: point it at the collector's OTLP/HTTP port, 4318)" : '';
    problems.push(`${protocolName} must be one of ${TRACE_PROTOCOLS.join(', ')}, got "${protocol}"${hint}`);
  }
  const sampler = value('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  if (!(TRACE_SAMPLERS as readonly string[]).includes(sampler)) {
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${TRACE_SAMPLERS.join(', ')}, got "${sampler}"`);
  }
  const ratioRaw = value('OTEL_TRACES_SAMPLER_ARG');
  const ratio = ratioRaw === undefined ? 1 : Number(ratioRaw);
  if (!/^\d*\.?\d+$/.test(ratioRaw ?? '1') || !(ratio >= 0 && ratio <= 1)) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${ratioRaw}"`);
  }
  const delayRaw = value('OTEL_BSP_SCHEDULE_DELAY');
  const exportDelayMs = delayRaw === undefined ? 5000 : Number(delayRaw);
  if (!/^\d+$/.test(delayRaw ?? '0') || exportDelayMs < 1 || exportDelayMs > 600_000) {
    problems.push(`OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds from 1 to 600000, got "${delayRaw}"`);
  }
  const headersName = value('OTEL_EXPORTER_OTLP_TRACES_HEADERS')
    ? 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'
    : 'OTEL_EXPORTER_OTLP_HEADERS';
  return Object.freeze({
    enabled: disabled !== true && exporter === 'otlp' && endpoint !== null,
    endpoint,
    protocol: protocol as TraceProtocol,
    headers: readPairs(value(headersName), headersName, problems, false),
    serviceName: value('OTEL_SERVICE_NAME') ?? null,
    resourceAttributes: readPairs(value('OTEL_RESOURCE_ATTRIBUTES'), 'OTEL_RESOURCE_ATTRIBUTES', problems, true),
    sampler: sampler as TraceSampler,
    samplerRatio: Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1,
    exportDelayMs: Number.isInteger(exportDelayMs) ? exportDelayMs : 5000,
  });
}

function readBoolean(raw: string | undefined, name: string, problems: string[]): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase() === 'true') return true;
  if (raw.toLowerCase() === 'false') return false;
  problems.push(`${name} must be true or false, got "${raw}"`);
  return undefined;
}

/** The signal's own endpoint is used as given; the generic one gets the signal's path, as the OTLP spec says. */
function readEndpoint(traces: string | undefined, generic: string | undefined, problems: string[]): string | null {
  const [name, raw] = traces
    ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', generic];
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} must be an http(s) URL, got "${raw}"`);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name} must be an http(s) URL, got "${raw}"`);
    return null;
  }
  return traces ? raw : `${raw.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * `key1=value1,key2=value2`, values percent-decoded (W3C Baggage, as the
 * OpenTelemetry spec reads these variables). A bad pair is reported by its
 * position only, as headers may hold secrets.
 */
function readPairs(
  raw: string | undefined,
  name: string,
  problems: string[],
  showValue: boolean,
): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (raw === undefined) return Object.freeze(pairs);
  for (const [i, entry] of raw.split(',').entries()) {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    let decoded: string | null = null;
    try {
      decoded = at > 0 ? decodeURIComponent(entry.slice(at + 1).trim()) : null;
    } catch {
      decoded = null;
    }
    if (!/^[\w.-]+$/.test(key) || decoded === null) {
      problems.push(`${name} entry ${i + 1} must be key=value${showValue ? `, got "${entry}"` : ''}`);
      continue;
    }
    pairs[key] = decoded;
  }
  return Object.freeze(pairs);
}

/** For the first log line: where spans go and how many, never the headers. */
export function tracingSummary(tracing: TracingConfig): string {
  if (!tracing.enabled) return 'off';
  const ratio = tracing.sampler.endsWith('traceidratio') ? ` ${tracing.samplerRatio}` : '';
  return `on (${tracing.protocol} to ${tracing.endpoint}, ${tracing.sampler}${ratio})`;
}
