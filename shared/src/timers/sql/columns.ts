/** The columns every read for the api selects, and how a row becomes a TimerRecord. */
import type { DbTime, Dialect } from '../../db/dialect';
import { flowKeyOf } from '../../flows/flowKey';
import type { TimerRecord, TimerStatus, TimerWaiting } from '../types';

/**
 * ms_left: milliseconds from the database's now to fire_at, in whole milliseconds.
 * flow_paused: for a timer parked and due (waiting for its limited flow), whether
 * the flow is paused; NULL for any other timer, which costs no read of `flows`.
 */
export function timerColumns(d: Dialect): string {
  return `id, url, status, fire_at, created_at, fired_at, attempts, last_error, schedule_id,
  max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, flow_key,
  ${d.msBetween(d.now, 'fire_at')} AS ms_left,
  CASE WHEN timers.flow_due_at <= ${d.now}
       THEN (SELECT f.paused FROM flows f WHERE f.id = timers.flow_id) END AS flow_paused`;
}

export interface TimerRow {
  id: string;
  url: string;
  status: TimerStatus;
  fire_at: DbTime;
  created_at: DbTime;
  fired_at: DbTime | null;
  attempts: number;
  last_error: string | null;
  max_attempts: number | null;
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  max_lateness_s: number | null;
  schedule_id: string | null;
  ms_left: number | string;
  flow_key: string | null;
  flow_paused: number | string | null;
}

/** Why a due timer is not being sent: null when it is not waiting. */
function waitingOf(row: TimerRow): TimerWaiting | null {
  if (row.status !== 'pending' || row.flow_paused === null) return null;
  return Number(row.flow_paused) === 1 ? 'paused' : 'flow_limit';
}

export function toRecord(d: Dialect, row: TimerRow): TimerRecord {
  return {
    id: row.id,
    url: row.url,
    status: row.status,
    fireAt: d.date(row.fire_at),
    createdAt: d.date(row.created_at),
    firedAt: row.fired_at === null ? null : d.date(row.fired_at),
    attempts: row.attempts,
    lastError: row.last_error,
    scheduleId: row.schedule_id,
    msLeft: Number(row.ms_left),
    retry: { maxAttempts: row.max_attempts, baseMs: row.retry_base_ms, maxMs: row.retry_max_ms },
    maxLatenessSeconds: row.max_lateness_s,
    flowKey: flowKeyOf(row.url, row.flow_key),
    waiting: waitingOf(row),
  };
}
