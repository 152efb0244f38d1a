/**
 * releaseAbandoned: hands back timers whose request was started and then aborted
 * by a shutdown that could not wait for its answer, so another controller sends
 * them at once instead of a lease later.
 *
 * Parameters: owner, claims, attempts (the aborted requests, one per claim).
 * The receiver may have seen the request, so the attempt stays counted and the
 * timer is due at once (a second delivery, with the same Idempotency-Key: the
 * guarantee's one window). The aborted requests are written to the history
 * (outcome `released`) in the same transaction (insertAttempts.ts).
 * Locks: the matched rows (primary-key range; on SQLite, none: its one connection
 * runs one statement at a time). Fenced like completeFired.
 */
import type { Knex } from 'knex';
import { withAttempts } from '../../attempts/sql/insertAttempts';
import { dialectOf } from '../../db/dialect';
import type { AttemptRecord, ClaimRef } from '../types';
import { claimFence } from './fence';

export async function releaseAbandoned(
  db: Knex,
  timeoutMs: number,
  owner: string,
  claims: readonly ClaimRef[],
  attempts: readonly AttemptRecord[],
): Promise<number> {
  if (claims.length === 0) return 0;
  const d = dialectOf(db);
  const fence = claimFence(claims);
  return withAttempts(db, timeoutMs, attempts, {
    sql: `UPDATE timers
       SET status = 'pending', locked_by = NULL, updated_at = ${d.now}, due_at = ${d.now}
       WHERE ${fence.sql} AND locked_by = ? AND status = 'firing'`,
    bindings: [...fence.bindings, owner],
  });
}
