/**
 * failTimer: gives up on a timer (a permanent HTTP error, or the last attempt of
 * its series failed). It leaves the due index (due_at NULL) and is not sent again
 * unless POST /timers/{id}/retry replays it. The attempt is written in the same
 * transaction (insertAttempts.ts).
 *
 * Parameters: owner, claim (id + lease_token), error, attempt (may be absent).
 * Locks: the one row (on SQLite, none: its one connection runs one statement at a
 * time). Fenced like completeFired: returns false when the lease was lost.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { dialectOf } from '../../db/dialect';
import type { AttemptRecord, ClaimRef } from '../types';
import { recordEnd } from './createNotices';

export async function failTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  owner: string,
  claim: ClaimRef,
  error: string,
  attempt?: AttemptRecord,
): Promise<boolean> {
  const d = dialectOf(db);
  const end = { claims: [claim], status: 'failed' as const, attempts: attempt ? [attempt] : [] };
  const changed = await recordEnd(db, timeoutMs, atRest, end, {
    sql: `UPDATE timers
       SET status = 'failed', due_at = NULL, last_error = ?, updated_at = ${d.now}
       WHERE id = ? AND lease_token = ? AND locked_by = ? AND status = 'firing'`,
    bindings: [error.slice(0, 1024), claim.id, claim.leaseToken, owner],
  });
  return changed === 1;
}
