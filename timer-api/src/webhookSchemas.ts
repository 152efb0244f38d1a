/**
 * What a timer (or each occurrence of a schedule) sends, as requests and answers
 * show it: one set of fields, spread into POST /timers, POST /schedules and their
 * answers (and reusable by any later request that changes a timer). The rules the
 * schema cannot say (refused header names, sizes, payload or body) are checked by
 * domain/webhookSpec.ts, which names each problem.
 */
import { Type } from '@sinclair/typebox';
import { WEBHOOK_METHODS } from '@timer/shared';

/** Most extra headers a timer may send. */
export const MAX_HEADERS = 20;
/** Most bytes its extra headers may add (names, values and `: ` / CRLF), as Node's default header limit leaves room. */
export const MAX_HEADER_BYTES = 8 * 1024;
export const MAX_CONTENT_TYPE_LENGTH = 255;

export const webhookRequestFields = {
  payload: Type.Optional(
    Type.Unknown({
      description:
        'Any JSON value, sent as the request body (compact JSON, Content-Type: application/json) instead of ' +
        '{"id","fire_at"}. At most MAX_PAYLOAD_BYTES (64 KiB) serialized. Not with body.',
      examples: [{ order: 7, action: 'remind' }],
    }),
  ),
  body: Type.Optional(
    Type.String({
      description:
        'A string sent as the request body (UTF-8), for receivers that do not speak JSON; with content_type. ' +
        'At most MAX_PAYLOAD_BYTES (64 KiB) as UTF-8. Not with payload.',
      examples: ['order=7&action=remind'],
    }),
  ),
  content_type: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: MAX_CONTENT_TYPE_LENGTH,
      description: 'With body: its Content-Type, a media type (default "text/plain; charset=utf-8").',
      examples: ['application/x-www-form-urlencoded'],
    }),
  ),
  headers: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      maxProperties: MAX_HEADERS,
      description:
        `Up to ${MAX_HEADERS} extra request headers, name to value: names are HTTP tokens, values printable ASCII ` +
        `(no CR or LF), ${MAX_HEADER_BYTES} bytes in all. Refused: the headers the service sets (Host, Content-Length, ` +
        'Transfer-Encoding, Connection, Content-Type — use content_type —, User-Agent, Idempotency-Key, Timer-*, ' +
        'webhook-*, traceparent, tracestate, and the other hop-by-hop headers), and Authorization when the url ' +
        'carries credentials. Write-only: answers show the names, never the values.',
      examples: [{ Authorization: 'Bearer rk_live_51H…', 'X-Tenant': '7' }],
    }),
  ),
  method: Type.Optional(
    Type.Unsafe<(typeof WEBHOOK_METHODS)[number]>({
      type: 'string',
      enum: [...WEBHOOK_METHODS],
      default: 'POST',
      description: 'The request method.',
    }),
  ),
  append_id: Type.Optional(
    Type.Boolean({
      default: true,
      description:
        'true: the id is appended to the url as a new path segment ({url}/{id}); false: the url exactly as given ' +
        '(the Timer-Id header still names the timer).',
    }),
  ),
};

export const webhookViewFields = {
  payload: Type.Optional(
    Type.Unknown({ description: 'The JSON value it sends as its body; absent when it has none.' }),
  ),
  body: Type.Union([Type.String(), Type.Null()], { description: 'The string it sends as its body, else null.' }),
  content_type: Type.Union([Type.String(), Type.Null()], {
    description: "The body's Content-Type (application/json for a payload); null for the plain body.",
  }),
  headers: Type.Array(Type.String(), {
    description: 'The names of its extra headers; their values are never shown.',
  }),
  method: Type.Unsafe<(typeof WEBHOOK_METHODS)[number]>({ type: 'string', enum: [...WEBHOOK_METHODS] }),
  append_id: Type.Boolean({ description: 'Whether the id is appended to the url.' }),
};

/**
 * The same fields in a PATCH: absent stays; null returns one to the plain
 * webhook's (body: null, with no payload, sends the plain {"id","fire_at"} again;
 * headers: null removes them all; method: null is POST; append_id: null is
 * true). headers replace the whole set: their values are never shown, so a
 * change sends all of them.
 */
export const webhookPatchFields = {
  payload: webhookRequestFields.payload,
  body: Type.Optional(
    Type.Union([Type.String(), Type.Null()], {
      description:
        'A new string body (with content_type), replacing a payload or body; null: the plain {"id","fire_at"} again.',
    }),
  ),
  content_type: webhookRequestFields.content_type,
  headers: Type.Optional(
    Type.Union([Type.Record(Type.String(), Type.String(), { maxProperties: MAX_HEADERS }), Type.Null()], {
      description:
        'Replaces every extra header (values are never shown, so send them all); null or {}: none. Same rules as at creation.',
    }),
  ),
  method: Type.Optional(
    Type.Union(
      [Type.Unsafe<(typeof WEBHOOK_METHODS)[number]>({ type: 'string', enum: [...WEBHOOK_METHODS] }), Type.Null()],
      { description: 'The request method; null: POST.' },
    ),
  ),
  append_id: Type.Optional(
    Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether the id is appended to the url; null: true.' }),
  ),
};
