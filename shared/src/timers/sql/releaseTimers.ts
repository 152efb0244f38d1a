/**
 * releaseTimers: hands timers back before their lease ends (a controller shutting
 * down), so another controller can take them at once instead of waiting for the
 * lease to expire.
 *
 * Parameters: owner, claims, attemptStarted. When no request was sent for these
 * claims, the attempt the claim counted is taken back; when a request was started
 * and abandoned, it stays counted (the receiver may have seen it).
 * Requests that were started and abandoned are written to the history (outcome
 * `released`) in the same transaction (insertAttempts.ts).
 * Locks: the matched rows (primary-key range; on SQLite, none: its one connection
 * runs one statement at a time). Fenced like completeFired.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import type { AttemptRecord, ClaimRef } from '../types';
import { claimFence } from './fence';
import { withAttempts } from './insertAttempts';

export async function releaseTimers(
  db: Knex,
  timeoutMs: number,
  owner: string,
  claims: readonly ClaimRef[],
  attemptStarted: boolean,
  attempts: readonly AttemptRecord[] = [],
): Promise<number> {
  if (claims.length === 0) return 0;
  const d = dialectOf(db);
  const fence = claimFence(claims);
  return withAttempts(db, timeoutMs, attempts, (q) =>
    write(
      q,
      timeoutMs,
      `UPDATE timers
       SET status = 'pending', due_at = ${d.now}, locked_by = NULL, updated_at = ${d.now}
           ${attemptStarted ? '' : ', attempts = attempts - 1'}
       WHERE ${fence.sql} AND locked_by = ? AND status = 'firing'`,
      [...fence.bindings, owner],
    ),
  );
}
