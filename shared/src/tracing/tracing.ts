/**
 * Tracing as the services use it: spans with a parent or links, a W3C trace
 * context to store with a timer and to send with its webhook, the active span's
 * ids for log lines. Two implementations: `noTracing` (tracing off: nothing is
 * recorded, and no OpenTelemetry module is ever loaded) and the OpenTelemetry
 * one in otel.ts, loaded by startTracing only when the config turns tracing on.
 * Only type imports of OpenTelemetry may appear outside otel.ts.
 */
import type { EventEmitter } from 'node:events';
import type { TracingConfig } from './config';

/** A W3C trace context, as stored with a timer and sent in the traceparent and tracestate headers. */
export interface TraceContext {
  traceparent: string;
  tracestate: string | null;
}

export type Attributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  kind?: 'internal' | 'server' | 'client';
  attributes?: Attributes;
  /**
   * The parent. Absent: the active span (or a new trace when there is none).
   * A context: that span, even from another process or a day ago (an invalid one
   * starts a new trace). null: a new trace.
   */
  parent?: TraceContext | null;
  links?: readonly (TraceContext | null)[];
  /** When the span started (ms since the epoch); now by default. */
  startMs?: number;
}

export interface Span {
  /** This span's context: what a child in another process continues. null when tracing is off. */
  readonly context: TraceContext | null;
  setAttributes(attributes: Attributes): void;
  updateName(name: string): void;
  addLink(link: TraceContext | null): void;
  /** Marks the span as failed, with the error's message. */
  fail(error: unknown): void;
  end(endMs?: number): void;
}

export interface Tracing {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): Span;
  /** Runs `fn` with `span` active: spans started and lines logged inside are its children. */
  withActive<T>(span: Span, fn: () => T): T;
  /** Like withActive, and listeners on the emitters (a request's body, its end) run with the span active too. */
  withActiveEmitters<T>(span: Span, emitters: EventEmitter[], fn: () => T): T;
  /** Runs `fn` in a new active span, ended when `fn` settles (failed if it throws). */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T>;
  /** The active span's ids, for log lines; null when there is none. */
  activeIds(): { trace_id: string; span_id: string } | null;
  /** Exports what is left; after it, spans are dropped. */
  shutdown(): Promise<void>;
}

const noSpan: Span = {
  context: null,
  setAttributes: () => {},
  updateName: () => {},
  addLink: () => {},
  fail: () => {},
  end: () => {},
};

/** Tracing off: every call does nothing, and costs close to nothing. */
export const noTracing: Tracing = {
  enabled: false,
  startSpan: () => noSpan,
  withActive: (_span, fn) => fn(),
  withActiveEmitters: (_span, _emitters, fn) => fn(),
  inSpan: (_name, _options, fn) => fn(noSpan),
  activeIds: () => null,
  shutdown: async () => {},
};

/**
 * OpenTelemetry when the config turns it on, else noTracing. The import is
 * dynamic so that a process with tracing off never loads an @opentelemetry module.
 */
export async function startTracing(config: TracingConfig, serviceName: string, version: string): Promise<Tracing> {
  if (!config.enabled) return noTracing;
  const { startOpenTelemetry } = await import('./otel');
  return startOpenTelemetry(config, serviceName, version);
}

/** `00-<32 hex>-<16 hex>-<2 hex>`, the only version this service writes; anything else is not stored. */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** A stored context as read back from the database; null when there is none or it is not one. */
export function storedContext(traceparent: string | null, tracestate: string | null = null): TraceContext | null {
  if (traceparent === null || !TRACEPARENT.test(traceparent)) return null;
  return { traceparent, tracestate: tracestate && tracestate.length <= 512 ? tracestate : null };
}
