/**
 * scheduleRetry: a delivery failed in a way worth retrying; the timer goes back to
 * pending, due again after `delayMs` (database clock), and gives up its lease.
 *
 * Parameters: owner, claim (id + lease_token), delayMs, error (kept in last_error).
 * Locks: the one row, for the length of the UPDATE. Fenced like completeFired:
 * returns false when the lease was lost and nothing changed.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';
import type { ClaimRef } from '../types';

export async function scheduleRetry(
  db: Knex,
  timeoutMs: number,
  owner: string,
  claim: ClaimRef,
  delayMs: number,
  error: string,
): Promise<boolean> {
  const changed = await write(
    db,
    timeoutMs,
    `UPDATE timers
     SET status = 'pending', due_at = NOW(3) + INTERVAL ? MICROSECOND, last_error = ?,
         locked_by = NULL, updated_at = NOW(3)
     WHERE id = ? AND lease_token = ? AND locked_by = ? AND status = 'firing'`,
    [Math.round(delayMs * 1000), error.slice(0, 1024), claim.id, claim.leaseToken, owner],
  );
  return changed === 1;
}
