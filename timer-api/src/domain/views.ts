/** How stored timers and attempts are shown: the api's outward shapes, no HTTP, no SQL. */
import { timerView, webhookView } from '@timer/shared';
import type { AttemptRecord, TimerRecord, WebhookSpec } from '@timer/shared';
import type { Attempt, RecentDelivery, Timer } from '../schemas';

/** What GET /timers/{id} answers (@timer/shared timerView: a notice's snapshot is the same). */
export function toView(record: TimerRecord): Timer {
  return timerView(record);
}

/** What a timer or schedule sends, as answers show it: header names, never their values. */
export function toWebhookView(
  spec: WebhookSpec,
): Pick<Timer, 'payload' | 'body' | 'content_type' | 'headers' | 'method' | 'append_id'> {
  return webhookView(spec);
}

export function toAttemptView(record: AttemptRecord): Attempt {
  return {
    attempt: record.attempt,
    started_at: record.startedAt.toISOString(),
    finished_at: record.finishedAt.toISOString(),
    duration_ms: record.durationMs,
    status_code: record.statusCode,
    error_class: record.errorClass,
    error: record.error,
    outcome: record.outcome,
    controller_id: record.controllerId,
    lateness_ms: record.latenessMs,
    lease_token: record.leaseToken,
  };
}

export function toRecentDeliveryView(record: AttemptRecord): RecentDelivery {
  return { timer_id: record.timerId, ...toAttemptView(record) };
}
