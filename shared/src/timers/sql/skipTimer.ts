/**
 * skipTimer: closes a timer without sending it, because its missed-fire policy
 * (on_late "skip") says it is too late: status `skipped`, out of the due index,
 * never sent. No request was started, so the attempt the claim counted is taken
 * back, and nothing is added to the delivery history.
 *
 * Parameters: owner, claim (id + lease_token), reason (kept in last_error).
 * Locks: the one row (on SQLite, none: its one connection runs one statement at a
 * time). Fenced like completeFired: returns false when the lease was lost.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { dialectOf } from '../../db/dialect';
import type { ClaimRef } from '../types';
import { recordEnd } from './createNotices';

export async function skipTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  owner: string,
  claim: ClaimRef,
  reason: string,
): Promise<boolean> {
  const d = dialectOf(db);
  const changed = await recordEnd(
    db,
    timeoutMs,
    atRest,
    { claims: [claim], status: 'skipped', attempts: [] },
    {
      sql: `UPDATE timers
       SET status = 'skipped', due_at = NULL, last_error = ?, attempts = attempts - 1, updated_at = ${d.now}
       WHERE id = ? AND lease_token = ? AND locked_by = ? AND status = 'firing'`,
      bindings: [reason.slice(0, 1024), claim.id, claim.leaseToken, owner],
    },
  );
  return changed === 1;
}
