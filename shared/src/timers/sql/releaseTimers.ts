/**
 * releaseTimers: hands timers back before their lease ends (a controller shutting
 * down), so another controller can take them at once instead of waiting for the
 * lease to expire.
 *
 * Parameters: owner, claims, attemptStarted, leaseMs (the lease the claims were
 * given). When no request was sent for these claims, the attempt the claim counted
 * is taken back, and the timer is due again at its own due time: a claim made
 * ahead of time set due_at to that time plus leaseMs, so due_at − leaseMs is it
 * (or the claim's now, if it was claimed late), and the next controller does not
 * send it early. When a request was started and abandoned, the attempt stays
 * counted (the receiver may have seen it) and the timer is due at once.
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
  leaseMs: number,
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
       SET status = 'pending', locked_by = NULL, updated_at = ${d.now},
           ${attemptStarted ? `due_at = ${d.now}` : `due_at = ${d.greatest(d.now, d.minus('due_at'))}, attempts = attempts - 1`}
       WHERE ${fence.sql} AND locked_by = ? AND status = 'firing'`,
      [...(attemptStarted ? [] : [d.duration(leaseMs)]), ...fence.bindings, owner],
    ),
  );
}
