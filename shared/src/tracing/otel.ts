/**
 * The OpenTelemetry implementation of Tracing. The only module that imports
 * @opentelemetry at run time; startTracing (tracing.ts) loads it with a dynamic
 * import when the config turns tracing on, so with tracing off none of it is in
 * the process.
 *
 * The SDK is set up by hand from the validated config (config.ts): a batch span
 * processor and one OTLP/HTTP exporter (JSON or protobuf), the sampler asked for,
 * the AsyncLocalStorage context manager (registered globally, so that the active
 * span follows a request through awaits), and the W3C trace context format for
 * what is stored and sent. No auto-instrumentation: the spans are the ones the
 * README lists, made where the code knows what they mean.
 */
import {
  context,
  Context,
  defaultTextMapGetter,
  isSpanContextValid,
  Link,
  ROOT_CONTEXT,
  Span as OtelSpan,
  SpanKind,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  Sampler,
  SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './config';
import type { Attributes, Span, SpanOptions, TraceContext, Tracing } from './tracing';

const KINDS = { internal: SpanKind.INTERNAL, server: SpanKind.SERVER, client: SpanKind.CLIENT } as const;

export async function startOpenTelemetry(
  config: TracingConfig,
  serviceName: string,
  version: string,
): Promise<Tracing> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName ?? serviceName,
      [ATTR_SERVICE_VERSION]: version,
    }),
    sampler: samplerOf(config),
    spanProcessors: [
      new BatchSpanProcessor(await exporterOf(config), {
        scheduledDelayMillis: config.exportDelayMs,
        exportTimeoutMillis: 10_000,
      }),
    ],
  });
  return new OpenTelemetryTracing(provider.getTracer('timer-service', version), async () => {
    await provider.shutdown();
    context.disable();
  });
}

/** Only the exporter asked for is loaded. */
async function exporterOf(config: TracingConfig): Promise<SpanExporter> {
  const options = { url: config.endpoint ?? undefined, headers: { ...config.headers } };
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function samplerOf(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

const propagator = new W3CTraceContextPropagator();

/** The context a stored or received traceparent names; the root context when it names none. */
function extracted(stored: TraceContext): Context {
  const carrier: Record<string, string> = { traceparent: stored.traceparent };
  if (stored.tracestate) carrier.tracestate = stored.tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

function linkTo(stored: TraceContext | null): Link | null {
  if (!stored) return null;
  const spanContext = trace.getSpanContext(extracted(stored));
  return spanContext && isSpanContextValid(spanContext) ? { context: spanContext } : null;
}

function cleaned(attributes: Attributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

class OpenTelemetrySpan implements Span {
  constructor(readonly span: OtelSpan) {}

  get context(): TraceContext {
    const { traceId, spanId, traceFlags, traceState } = this.span.spanContext();
    const flags = traceFlags.toString(16).padStart(2, '0');
    return { traceparent: `00-${traceId}-${spanId}-${flags}`, tracestate: traceState?.serialize() || null };
  }

  setAttributes(attributes: Attributes): void {
    this.span.setAttributes(cleaned(attributes));
  }

  updateName(name: string): void {
    this.span.updateName(name);
  }

  addLink(stored: TraceContext | null): void {
    const link = linkTo(stored);
    if (link) this.span.addLink(link);
  }

  fail(error: unknown): void {
    if (error instanceof Error) this.span.recordException(error);
    this.span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  }

  end(endMs?: number): void {
    this.span.end(endMs);
  }
}

class OpenTelemetryTracing implements Tracing {
  readonly enabled = true;

  constructor(
    private readonly tracer: Tracer,
    readonly shutdown: () => Promise<void>,
  ) {}

  startSpan(name: string, options: SpanOptions = {}): Span {
    const { parent } = options;
    const parentContext = parent === undefined ? context.active() : parent === null ? ROOT_CONTEXT : extracted(parent);
    const links = (options.links ?? []).map(linkTo).filter((l): l is Link => l !== null);
    const span = this.tracer.startSpan(
      name,
      {
        kind: KINDS[options.kind ?? 'internal'],
        attributes: cleaned(options.attributes),
        links,
        startTime: options.startMs,
        root: parent === null,
      },
      parentContext,
    );
    return new OpenTelemetrySpan(span);
  }

  withActive<T>(span: Span, fn: () => T): T {
    return context.with(this.contextOf(span), fn);
  }

  withActiveEmitters<T>(span: Span, emitters: EventEmitter[], fn: () => T): T {
    const ctx = this.contextOf(span);
    for (const emitter of emitters) context.bind(ctx, emitter);
    return context.with(ctx, fn);
  }

  async inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
    const span = this.startSpan(name, options);
    try {
      return await this.withActive(span, () => fn(span));
    } catch (err) {
      span.fail(err);
      throw err;
    } finally {
      span.end();
    }
  }

  activeIds(): { trace_id: string; span_id: string } | null {
    const spanContext = trace.getSpanContext(context.active());
    if (!spanContext || !isSpanContextValid(spanContext)) return null;
    return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
  }

  private contextOf(span: Span): Context {
    if (!(span instanceof OpenTelemetrySpan)) return context.active();
    return trace.setSpan(context.active(), span.span);
  }
}
