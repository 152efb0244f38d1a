/**
 * listAttempts: a timer's delivery history, oldest first, a page at a time.
 *
 * Parameters: timerId, limit, afterLeaseToken (the cursor: the last lease_token of
 * the previous page). A range of the primary key (timer_id, lease_token); a plain
 * read, no locks.
 */
import type { Knex } from 'knex';
import { DbTime, Dialect, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AttemptOutcome, AttemptRecord, ErrorClass } from '../../timers/types';

/** The columns every read of the history selects, and how a row becomes an AttemptRecord. */
export const ATTEMPT_COLUMNS = `timer_id, lease_token, attempt, started_at, finished_at, duration_ms, status_code,
  error_class, error, outcome, controller_id, lateness_ms`;

export interface AttemptRow {
  timer_id: string;
  lease_token: number | string;
  attempt: number;
  started_at: DbTime;
  finished_at: DbTime;
  duration_ms: number;
  status_code: number | null;
  error_class: ErrorClass | null;
  error: string | null;
  outcome: AttemptOutcome;
  controller_id: string;
  lateness_ms: number | string;
}

export interface AttemptQuery {
  timerId: string;
  limit: number;
  afterLeaseToken?: number;
}

export async function listAttempts(db: Knex, timeoutMs: number, query: AttemptQuery): Promise<AttemptRecord[]> {
  const d = dialectOf(db);
  const rows = await select<AttemptRow>(
    db,
    timeoutMs,
    `SELECT ${ATTEMPT_COLUMNS}
     FROM timer_attempts
     WHERE timer_id = ? AND lease_token > ?
     ORDER BY lease_token
     LIMIT ?`,
    [query.timerId, query.afterLeaseToken ?? 0, query.limit],
  );
  return rows.map((r) => toAttemptRecord(d, r));
}

export function toAttemptRecord(d: Dialect, r: AttemptRow): AttemptRecord {
  return {
    timerId: r.timer_id,
    leaseToken: Number(r.lease_token),
    attempt: r.attempt,
    startedAt: d.date(r.started_at),
    finishedAt: d.date(r.finished_at),
    durationMs: r.duration_ms,
    statusCode: r.status_code,
    errorClass: r.error_class,
    error: r.error,
    outcome: r.outcome,
    controllerId: r.controller_id,
    latenessMs: Number(r.lateness_ms),
  };
}
