/** The columns every read for the api selects, and how a row becomes a TimerRecord. */
import type { TimerRecord, TimerStatus } from '../types';

export const TIMER_COLUMNS = `id, url, status, fire_at, created_at, fired_at, attempts, last_error,
  TIMESTAMPDIFF(MICROSECOND, NOW(3), fire_at) DIV 1000 AS ms_left`;

export interface TimerRow {
  id: string;
  url: string;
  status: TimerStatus;
  fire_at: Date;
  created_at: Date;
  fired_at: Date | null;
  attempts: number;
  last_error: string | null;
  ms_left: number | string;
}

export function toRecord(row: TimerRow): TimerRecord {
  return {
    id: row.id,
    url: row.url,
    status: row.status,
    fireAt: row.fire_at,
    createdAt: row.created_at,
    firedAt: row.fired_at,
    attempts: row.attempts,
    lastError: row.last_error,
    msLeft: Number(row.ms_left),
  };
}
