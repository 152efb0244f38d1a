/**
 * scheduleRetry: a delivery failed in a way worth retrying; the timer goes back to
 * pending, due again after `delayMs` (database clock), and gives up its lease.
 * The attempt is written in the same transaction (insertAttempts.ts).
 *
 * Parameters: owner, claim (id + lease_token), delayMs, error (kept in last_error),
 * attempt (may be absent). Locks: the one row, for the length of the transaction
 * (on SQLite, none: its one connection runs one statement at a time). Fenced like
 * completeFired: returns false when the lease was lost and nothing changed.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import type { AttemptRecord, ClaimRef } from '../types';
import { withAttempts } from '../../attempts/sql/insertAttempts';

export async function scheduleRetry(
  db: Knex,
  timeoutMs: number,
  owner: string,
  claim: ClaimRef,
  delayMs: number,
  error: string,
  attempt?: AttemptRecord,
): Promise<boolean> {
  const d = dialectOf(db);
  const changed = await withAttempts(db, timeoutMs, attempt ? [attempt] : [], {
    sql: `UPDATE timers
       SET status = 'pending', due_at = ${d.plus(d.now)}, last_error = ?,
           locked_by = NULL, updated_at = ${d.now}
       WHERE id = ? AND lease_token = ? AND locked_by = ? AND status = 'firing'`,
    bindings: [d.duration(delayMs), error.slice(0, 1024), claim.id, claim.leaseToken, owner],
  });
  return changed === 1;
}
