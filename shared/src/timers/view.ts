/**
 * A timer as the service shows it outside: what GET /timers/{id} answers, and
 * what a completion notice carries as its snapshot. One function for both, so the
 * two cannot differ. Header values are never shown (they often hold a receiver's
 * credentials): only their names.
 */
import { contentBody, WebhookSpec } from '../webhooks/spec';
import type { TimerRecord } from './types';

/** A finished or canceled timer has no time left, whatever its fire_at says. */
function isLive(record: TimerRecord): boolean {
  return record.status === 'pending' || record.status === 'firing';
}

export function timerView(record: TimerRecord) {
  return {
    id: record.id,
    status: record.status,
    url: record.url,
    time_left: isLive(record) && record.msLeft > 0 ? Math.ceil(record.msLeft / 1000) : 0,
    fire_at: record.fireAt.toISOString(),
    // A timer parked for its flow has no time of its own until the flow takes it (`waiting` says why).
    next_attempt_at: record.status === 'pending' && record.dueAt !== null ? record.dueAt.toISOString() : null,
    created_at: record.createdAt.toISOString(),
    fired_at: record.firedAt ? record.firedAt.toISOString() : null,
    attempts: record.attempts,
    last_error: record.lastError,
    schedule_id: record.scheduleId,
    retry: {
      max_attempts: record.retry.maxAttempts,
      base_ms: record.retry.baseMs,
      max_ms: record.retry.maxMs,
    },
    on_late: record.maxLatenessSeconds === null ? ('fire' as const) : ('skip' as const),
    max_lateness_seconds: record.maxLatenessSeconds,
    version: record.version,
    labels: record.labels,
    callbacks: callbacksView(record.callbacks),
    ...webhookView(record.webhook),
    flow_key: record.flowKey,
    waiting: record.waiting,
  };
}

export type TimerView = ReturnType<typeof timerView>;

/** Callbacks as answers show them: the URLs given, `{}` for none. */
export function callbacksView(callbacks: TimerRecord['callbacks']): { on_success?: string; on_failure?: string } {
  return {
    ...(callbacks.onSuccess === undefined ? {} : { on_success: callbacks.onSuccess }),
    ...(callbacks.onFailure === undefined ? {} : { on_failure: callbacks.onFailure }),
  };
}

/** What a timer or schedule sends, as answers show it: header names, never their values. */
export function webhookView(spec: WebhookSpec) {
  const content = spec.content;
  return {
    ...(content?.kind === 'payload' ? { payload: content.value } : {}),
    body: content?.kind === 'body' ? content.text : null,
    content_type: contentBody(content)?.contentType ?? null,
    headers: spec.headers.map(([name]) => name),
    method: spec.method,
    append_id: spec.appendId,
  };
}
