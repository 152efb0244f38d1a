/**
 * An OTLP/HTTP trace receiver on 127.0.0.1, as a collector would be: it takes
 * what the services' exporters POST to /v1/traces in the JSON encoding
 * (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps every span, decoded into a
 * flat shape tests can query, with the service that sent it. And a text tree
 * of one trace, for the README and for a failing test's message.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** 1 internal, 2 server, 3 client (OTLP's SpanKind). */
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  links: Array<{ traceId: string; spanId: string }>;
  /** 2 for an error status. */
  statusCode: number;
}

export interface OtlpReceiver {
  /** OTEL_EXPORTER_OTLP_ENDPOINT for the services. */
  endpoint: string;
  spans: ReceivedSpan[];
  /** How many export requests came in. */
  readonly requests: number;
  /** Exports in the protobuf encoding (the default protocol): kept as they came, not decoded. */
  protobuf: Array<{ headers: http.IncomingHttpHeaders; bytes: number }>;
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  links?: Array<{ traceId: string; spanId: string }>;
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

function valueOf(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue ?? '';
}

function attributesOf(list: OtlpAttribute[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
}

export function decodeExport(body: OtlpExport): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const s of scope.spans ?? []) {
        spans.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ? s.parentSpanId : null,
          name: s.name,
          kind: s.kind,
          startMs: Number(BigInt(s.startTimeUnixNano) / 1_000_000n),
          endMs: Number(BigInt(s.endTimeUnixNano) / 1_000_000n),
          attributes: attributesOf(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          statusCode: s.status?.code ?? 0,
        });
      }
    }
  }
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const protobuf: OtlpReceiver['protobuf'] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    // latin1 keeps one character per byte, so a protobuf body's size survives.
    req.setEncoding(req.headers['content-type'] === 'application/x-protobuf' ? 'latin1' : 'utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests++;
      if (
        req.method === 'POST' &&
        req.url === '/v1/traces' &&
        req.headers['content-type'] === 'application/x-protobuf'
      ) {
        protobuf.push({ headers: req.headers, bytes: Buffer.byteLength(body, 'latin1') });
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !req.headers['content-type']?.includes('json')) {
        res.writeHead(415).end();
        return;
      }
      spans.push(...decodeExport(JSON.parse(body) as OtlpExport));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    protobuf,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const KIND = ['', 'internal', 'server', 'client', 'producer', 'consumer'];

/**
 * One trace as an indented tree, children in start order: name, kind, service,
 * a few attributes, the offset from the trace's start, and links.
 */
export function renderTrace(spans: readonly ReceivedSpan[], traceId: string, shown: readonly string[] = []): string {
  const inTrace = spans.filter((s) => s.traceId === traceId).sort((a, b) => a.startMs - b.startMs);
  const ids = new Set(inTrace.map((s) => s.spanId));
  const t0 = Math.min(...inTrace.map((s) => s.startMs));
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of inTrace.filter((x) =>
      parent === null ? !x.parentSpanId || !ids.has(x.parentSpanId) : x.parentSpanId === parent,
    )) {
      const attrs = shown
        .filter((k) => s.attributes[k] !== undefined)
        .map((k) => `${k}=${String(s.attributes[k])}`)
        .join(' ');
      const links = s.links.length > 0 ? ` → link ${s.links.map((l) => spanName(spans, l)).join(', ')}` : '';
      const error = s.statusCode === 2 ? ' ERROR' : '';
      lines.push(
        `${'  '.repeat(depth)}${s.name} [${KIND[s.kind]}, ${s.service}] +${s.startMs - t0} ms, ${s.endMs - s.startMs} ms${error}${attrs ? ` ${attrs}` : ''}${links}`,
      );
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);
  return lines.join('\n');
}

function spanName(spans: readonly ReceivedSpan[], link: { traceId: string; spanId: string }): string {
  const target = spans.find((s) => s.spanId === link.spanId && s.traceId === link.traceId);
  return target ? `"${target.name}" (trace ${link.traceId.slice(0, 8)}…)` : `${link.spanId} (not received)`;
}
