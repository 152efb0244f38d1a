/**
 * What a timer (or a schedule's occurrences) sends after a PATCH: the stored
 * WebhookSpec with the request's fields laid over it, then checked as a whole by
 * the one validator (webhookSpec.ts), so a change can never store what a create
 * would refuse (Authorization with a url that carries credentials, a payload over
 * MAX_PAYLOAD_BYTES, …). Absent fields stay; a payload or body replaces the
 * content; body null returns to the plain body; content_type alone re-types a
 * stored body; headers replace the whole set. Pure.
 */
import type { Static } from '@sinclair/typebox';
import type { WebhookSpec } from '@timer/shared';
import type { ErrorDetail } from '../errors';
import type { webhookPatchFields } from '../webhookSchemas';
import { WebhookLimits, WebhookReading, webhookSpecOf } from './webhookSpec';

type PatchFields = { [K in keyof typeof webhookPatchFields]?: Static<(typeof webhookPatchFields)[K]> };

const FIELDS = ['payload', 'body', 'content_type', 'headers', 'method', 'append_id'] as const;

/** Whether the request touches what is sent. */
export function changesWebhook(request: PatchFields): boolean {
  return FIELDS.some((f) => f in request && request[f] !== undefined);
}

export function patchWebhook(
  stored: WebhookSpec,
  request: PatchFields,
  url: string,
  limits: WebhookLimits,
  problems: ErrorDetail[],
): WebhookReading {
  const merged: Parameters<typeof webhookSpecOf>[0] = { url, ...contentFields(stored, request, problems) };
  const headers = request.headers === undefined ? Object.fromEntries(stored.headers) : (request.headers ?? {});
  if (Object.keys(headers).length > 0) merged.headers = headers;
  const method = request.method === undefined ? stored.method : request.method;
  if (method !== null) merged.method = method;
  const appendId = request.append_id === undefined ? stored.appendId : request.append_id;
  if (appendId !== null) merged.append_id = appendId;
  return webhookSpecOf(merged, limits, problems);
}

function contentFields(
  stored: WebhookSpec,
  request: PatchFields,
  problems: ErrorDetail[],
): { payload?: unknown; body?: string; content_type?: string } {
  if ('payload' in request && request.payload !== undefined) {
    return { payload: request.payload, body: request.body ?? undefined, content_type: request.content_type };
  }
  if (request.body === null) {
    if (request.content_type !== undefined) {
      problems.push({ path: 'content_type', message: 'content_type applies only with body' });
    }
    return {};
  }
  if (request.body !== undefined) return { body: request.body, content_type: request.content_type };
  const content = stored.content;
  if (content?.kind === 'payload') return { payload: content.value, content_type: request.content_type };
  if (content?.kind === 'body')
    return { body: content.text, content_type: request.content_type ?? content.contentType };
  return { content_type: request.content_type };
}
