/**
 * What a timer sends, from a request's fields to a WebhookSpec: the one validator
 * for payload, body, content_type, headers, method and append_id, whatever
 * request carries them (POST /timers, POST /schedules, a later change). The
 * schema has checked the types; this checks what it cannot say, naming each
 * problem: payload or body, not both; header names and values the controller can
 * send and the service does not own; the sizes. Pure.
 */
import { DEFAULT_BODY_CONTENT_TYPE, PLAIN_WEBHOOK, WebhookContent, WebhookSpec } from '@timer/shared';
import type { Static } from '@sinclair/typebox';
import type { ErrorDetail } from '../errors';
import { MAX_HEADER_BYTES, webhookRequestFields } from '../webhookSchemas';

type Fields = { [K in keyof typeof webhookRequestFields]?: Static<(typeof webhookRequestFields)[K]> };

export interface WebhookLimits {
  /** MAX_PAYLOAD_BYTES: the most bytes a payload (serialized) or a body (UTF-8) may put on the wire. */
  maxPayloadBytes: number;
}

export interface WebhookReading {
  spec: WebhookSpec;
  /** Set when the payload or body is over MAX_PAYLOAD_BYTES: a 413, once nothing else is wrong. */
  oversize: string | null;
}

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Printable ASCII and tab: what undici sends unchanged and every receiver reads alike. */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:[\t ]*;[\t\x20-\x7e]*)?$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Headers the service sets itself, or that another field sets: a timer cannot
 * override them. The hop-by-hop ones (Keep-Alive, Upgrade, TE, Trailer, Expect,
 * Proxy-Connection) describe one connection, which the controller's pool owns.
 */
const OWNED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'user-agent',
  'idempotency-key',
  'traceparent',
  'tracestate',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);
const OWNED_PREFIXES = ['timer-', 'webhook-'];

export function webhookSpecOf(
  request: Fields & { url: string },
  limits: WebhookLimits,
  problems: ErrorDetail[],
): WebhookReading {
  const { content, oversize } = contentOf(request, limits, problems);
  return {
    spec: {
      content,
      headers: headersOf(request.headers ?? {}, hasCredentials(request.url), problems),
      method: request.method ?? PLAIN_WEBHOOK.method,
      appendId: request.append_id ?? PLAIN_WEBHOOK.appendId,
    },
    oversize,
  };
}

function contentOf(
  request: Fields,
  limits: WebhookLimits,
  problems: ErrorDetail[],
): { content: WebhookContent; oversize: string | null } {
  const hasPayload = 'payload' in request && request.payload !== undefined;
  if (hasPayload && request.body !== undefined) {
    problems.push({ path: 'body', message: 'payload and body cannot be combined: a timer sends one of them' });
  }
  if (hasPayload && request.content_type !== undefined) {
    problems.push({
      path: 'content_type',
      message: 'content_type goes with body; a payload is always sent as application/json',
    });
  }
  if (!hasPayload && request.body === undefined && request.content_type !== undefined) {
    problems.push({ path: 'content_type', message: 'content_type applies only with body' });
  }
  if (request.content_type !== undefined && !MEDIA_TYPE.test(request.content_type)) {
    problems.push({
      path: 'content_type',
      message: 'content_type must be a media type such as text/plain; charset=utf-8 (printable ASCII, no CR or LF)',
    });
  }
  if (hasPayload) {
    const bytes = Buffer.byteLength(JSON.stringify(request.payload));
    return {
      content: { kind: 'payload', value: request.payload },
      oversize: overLimit('payload', bytes, limits.maxPayloadBytes),
    };
  }
  if (request.body === undefined) return { content: null, oversize: null };
  if (LONE_SURROGATE.test(request.body)) {
    problems.push({ path: 'body', message: 'body must be valid Unicode (it holds a lone surrogate)' });
  }
  return {
    content: { kind: 'body', text: request.body, contentType: request.content_type ?? DEFAULT_BODY_CONTENT_TYPE },
    oversize: overLimit('body', Buffer.byteLength(request.body), limits.maxPayloadBytes),
  };
}

function overLimit(field: string, bytes: number, max: number): string | null {
  return bytes > max ? `${field} is ${bytes} bytes as sent, over MAX_PAYLOAD_BYTES (${max})` : null;
}

function headersOf(
  headers: Record<string, string>,
  urlHasCredentials: boolean,
  problems: ErrorDetail[],
): Array<[string, string]> {
  const seen = new Set<string>();
  const refused: string[] = [];
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    const path = `headers.${name}`;
    const lower = name.toLowerCase();
    bytes += name.length + value.length + 4;
    if (!TOKEN.test(name)) {
      problems.push({ path, message: `header name ${JSON.stringify(name)} is not an HTTP token` });
      continue;
    }
    if (OWNED_HEADERS.has(lower) || OWNED_PREFIXES.some((p) => lower.startsWith(p))) refused.push(name);
    if (lower === 'authorization' && urlHasCredentials) {
      problems.push({ path, message: 'Authorization cannot be set when the url carries credentials (user:password@)' });
    }
    if (seen.has(lower)) problems.push({ path, message: `header ${name} is given twice (names are case-insensitive)` });
    seen.add(lower);
    if (/[\r\n]/.test(value)) problems.push({ path, message: `header ${name}'s value must not contain CR or LF` });
    else if (!FIELD_VALUE.test(value)) {
      problems.push({ path, message: `header ${name}'s value must be printable ASCII (or tab)` });
    }
  }
  if (refused.length > 0) {
    problems.push({
      path: 'headers',
      message: `headers ${refused.join(', ')} cannot be set: the service sets ${refused.length === 1 ? 'it' : 'them'} (Content-Type: use content_type)`,
    });
  }
  if (bytes > MAX_HEADER_BYTES) {
    problems.push({ path: 'headers', message: `headers add ${bytes} bytes, more than ${MAX_HEADER_BYTES}` });
  }
  return Object.entries(headers);
}

function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}
