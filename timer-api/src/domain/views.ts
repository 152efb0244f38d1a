/** How stored timers and attempts are shown: the api's outward shapes, no HTTP, no SQL. */
import type { AttemptRecord, TimerRecord } from '@timer/shared';
import type { Attempt, RecentDelivery, Timer } from '../schemas';

/** A finished or canceled timer has no time left, whatever its fire_at says. */
function isLive(record: TimerRecord): boolean {
  return record.status === 'pending' || record.status === 'firing';
}

export function toView(record: TimerRecord): Timer {
  return {
    id: record.id,
    status: record.status,
    url: record.url,
    time_left: isLive(record) && record.msLeft > 0 ? Math.ceil(record.msLeft / 1000) : 0,
    fire_at: record.fireAt.toISOString(),
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
    on_late: record.maxLatenessSeconds === null ? 'fire' : 'skip',
    max_lateness_seconds: record.maxLatenessSeconds,
    flow_key: record.flowKey,
    waiting: record.waiting,
  };
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
