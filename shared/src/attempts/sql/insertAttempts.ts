/**
 * insertAttempts / withAttempts: the delivery history, written with the outcome
 * each attempt led to.
 *
 * withAttempts runs an outcome update (fired, retry, failed, released) and the
 * INSERT of its attempts in one transaction (one round trip on MySQL, see
 * query.ts writeTogether), so a timer's status and its history never disagree,
 * and the controller's write retry repeats both or neither. With no attempts to
 * write it runs the update alone.
 *
 * insertAttempts: parameters, per attempt, everything in AttemptRecord. One
 * multi-row INSERT. A row already there (same timer_id and lease_token: a retried
 * write whose first try did commit) is left as it is: the statement ends in an
 * ON DUPLICATE KEY / ON CONFLICT no-op instead of failing. The attempt is written
 * even when the outcome update finds the lease lost: the request was sent, and the
 * history says so. Locks: only the new rows.
 */
import type { Knex } from 'knex';
import { Dialect, dialectOf } from '../../db/dialect';
import { Statement, write, writeTogether } from '../../db/query';
import type { AttemptRecord } from '../../timers/types';

export async function insertAttempts(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  attempts: readonly AttemptRecord[],
): Promise<void> {
  if (attempts.length === 0) return;
  const { sql, bindings } = attemptsInsert(dialectOf(db), attempts);
  await write(db, timeoutMs, sql, bindings);
}

/** The INSERT insertAttempts runs, to be run with other statements (at least one attempt). */
export function attemptsInsert(d: Dialect, attempts: readonly AttemptRecord[]): Statement {
  return {
    sql: `INSERT INTO timer_attempts (timer_id, lease_token, attempt, started_at, finished_at, duration_ms,
                                 status_code, error_class, error, outcome, controller_id, lateness_ms)
     VALUES ${attempts.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
     ${d.onConflictUpdate('timer_id, lease_token')} timer_id = ${d.inserted('timer_id')}`,
    bindings: attempts.flatMap((a) => [
      a.timerId,
      a.leaseToken,
      a.attempt,
      a.startedAt,
      a.finishedAt,
      Math.max(0, Math.round(a.durationMs)),
      a.statusCode,
      a.errorClass,
      a.error === null ? null : a.error.slice(0, 1024),
      a.outcome,
      a.controllerId,
      Math.round(a.latenessMs),
    ]),
  };
}

/** Runs `update` and writes `attempts` in one transaction (one round trip on MySQL); returns the rows `update` changed. */
export async function withAttempts(
  db: Knex,
  timeoutMs: number,
  attempts: readonly AttemptRecord[],
  update: Statement,
): Promise<number> {
  if (attempts.length === 0) return write(db, timeoutMs, update.sql, update.bindings);
  const [changed] = await writeTogether(db, timeoutMs, [update, attemptsInsert(dialectOf(db), attempts)]);
  return changed;
}
