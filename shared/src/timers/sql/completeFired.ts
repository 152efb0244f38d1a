/**
 * completeFired: records successful deliveries, many in one statement, and their
 * attempts in the same transaction (insertAttempts.ts).
 *
 * Parameters: owner, claims (id + lease_token of each delivered timer), attempts.
 * Locks: the matched rows, for the length of the transaction (primary-key range).
 * SQLite has no row locks: its one connection runs this between other statements.
 *
 * Fenced by owner, lease token and status: a row whose lease expired and was
 * claimed by another controller has a newer lease_token and is left alone. The
 * caller compares the returned count with the number of claims and reports the
 * difference as lost leases. locked_by is kept, so the row shows who fired it.
 */
import type { Knex } from 'knex';
import type { AtRest } from '../../crypto/atRest';
import { dialectOf } from '../../db/dialect';
import type { AttemptRecord, ClaimRef } from '../types';
import { claimFence } from './fence';
import { recordEnd } from './createNotices';

export async function completeFired(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  owner: string,
  claims: readonly ClaimRef[],
  attempts: readonly AttemptRecord[] = [],
): Promise<number> {
  if (claims.length === 0) return 0;
  const d = dialectOf(db);
  const fence = claimFence(claims);
  return recordEnd(
    db,
    timeoutMs,
    atRest,
    { claims, status: 'fired', attempts },
    {
      sql: `UPDATE timers
       SET status = 'fired', fired_at = ${d.now}, due_at = NULL, last_error = NULL, updated_at = ${d.now}
       WHERE ${fence.sql} AND locked_by = ? AND status = 'firing'`,
      bindings: [...fence.bindings, owner],
    },
  );
}
