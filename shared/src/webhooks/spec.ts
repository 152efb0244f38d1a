/**
 * What a timer sends, in one type: its body (a JSON payload, or a string with
 * its content type; none: the plain `{"id","fire_at"}`), its extra headers, its
 * method, and whether the id is appended to the URL. The api validates it
 * (timer-api domain/webhookSpec.ts), the store keeps it as one JSON column
 * (`webhook`, NULL for a plain timer), the controller builds the request from it.
 *
 * The stored text holds only what differs from the plain webhook, so a plain
 * timer costs nothing and an old row (NULL) reads as plain.
 */

export const WEBHOOK_METHODS = ['POST', 'PUT', 'PATCH'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

export type WebhookContent =
  { kind: 'payload'; value: unknown } | { kind: 'body'; text: string; contentType: string } | null;

export interface WebhookSpec {
  /** null: the plain body `{"id","fire_at"}`. */
  content: WebhookContent;
  /** Extra request headers, names as given, in order. Their values are write-only outside the controller. */
  headers: ReadonlyArray<readonly [string, string]>;
  method: WebhookMethod;
  /** true: `{url}/{id}`; false: the URL exactly as given. */
  appendId: boolean;
}

export const PLAIN_WEBHOOK: WebhookSpec = Object.freeze({
  content: null,
  headers: Object.freeze([]) as ReadonlyArray<readonly [string, string]>,
  method: 'POST',
  appendId: true,
});

/** The content type of a `body` sent without one. */
export const DEFAULT_BODY_CONTENT_TYPE = 'text/plain; charset=utf-8';

interface StoredSpec {
  payload?: unknown;
  body?: string;
  content_type?: string;
  headers?: Array<[string, string]>;
  method?: WebhookMethod;
  append_id?: false;
}

/** The column's text, or null for the plain webhook. */
export function encodeWebhookSpec(spec: WebhookSpec): string | null {
  const stored: StoredSpec = {};
  if (spec.content?.kind === 'payload') stored.payload = spec.content.value;
  if (spec.content?.kind === 'body') {
    stored.body = spec.content.text;
    stored.content_type = spec.content.contentType;
  }
  if (spec.headers.length > 0) stored.headers = spec.headers.map(([n, v]) => [n, v]);
  if (spec.method !== 'POST') stored.method = spec.method;
  if (!spec.appendId) stored.append_id = false;
  return Object.keys(stored).length === 0 ? null : JSON.stringify(stored);
}

/** Reads the column back; NULL (a plain timer, or one stored before the column) is the plain webhook. */
export function decodeWebhookSpec(text: string | null): WebhookSpec {
  if (text === null) return PLAIN_WEBHOOK;
  const stored = JSON.parse(text) as StoredSpec;
  let content: WebhookContent = null;
  if ('payload' in stored) content = { kind: 'payload', value: stored.payload };
  else if (stored.body !== undefined) {
    content = { kind: 'body', text: stored.body, contentType: stored.content_type ?? DEFAULT_BODY_CONTENT_TYPE };
  }
  return {
    content,
    headers: stored.headers ?? [],
    method: stored.method ?? 'POST',
    appendId: stored.append_id !== false,
  };
}

/** The bytes a timer's own content puts on the wire (as a string, sent as UTF-8), or null for the plain body. */
export function contentBody(content: WebhookContent): { body: string; contentType: string } | null {
  if (content === null) return null;
  if (content.kind === 'payload') return { body: JSON.stringify(content.value), contentType: 'application/json' };
  return { body: content.text, contentType: content.contentType };
}
