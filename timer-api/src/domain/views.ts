/**
 * How stored timers and attempts are shown, and how page cursors and ids are
 * read: the api's outward shapes, no HTTP, no SQL.
 */
import type { AttemptRecord, TimerRecord } from '@timer/shared';
import { AppError } from '../errors';
import type { Attempt, Timer } from '../schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A timer id in its canonical (lower-case) form, or null when it is not one. */
export function normalizeId(raw: string): string | null {
  const id = raw.toLowerCase();
  return UUID.test(id) ? id : null;
}

export function encodeCursor(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/** The id a list cursor carries; a cursor this api did not make is a 400. */
export function decodeIdCursor(cursor: string): string {
  const id = normalizeId(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!id) throw badCursor();
  return id;
}

/** The lease token an attempts cursor carries. */
export function decodeTokenCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[1-9]\d{0,15}$/.test(text)) throw badCursor();
  return Number(text);
}

function badCursor(): AppError {
  return new AppError('validation_failed', 'Invalid query: cursor is not one this api returned', [
    { path: 'cursor', message: 'cursor is not one this api returned' },
  ]);
}

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
    retry: {
      max_attempts: record.retry.maxAttempts,
      base_ms: record.retry.baseMs,
      max_ms: record.retry.maxMs,
    },
    on_late: record.maxLatenessSeconds === null ? 'fire' : 'skip',
    max_lateness_seconds: record.maxLatenessSeconds,
  };
}

export function toAttemptView(record: AttemptRecord): Attempt {
  return {
    attempt: record.attempt,
    started_at: record.startedAt.toISOString(),
    finished_at: record.finishedAt.toISOString(),
    duration_ms: record.durationMs,
    status_code: record.statusCode,
    error_class: record.errorClass as Attempt['error_class'],
    error: record.error,
    outcome: record.outcome,
    controller_id: record.controllerId,
    lateness_ms: record.latenessMs,
    lease_token: record.leaseToken,
  };
}
