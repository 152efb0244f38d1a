/**
 * releaseUnsent: hands back timers whose request was never started, before their
 * lease ends (a controller shutting down with timers held ahead of time, a lease
 * too short to send under, a claim whose answer was lost), so another controller
 * can take them at once instead of waiting for the lease to expire.
 *
 * Parameters: owner, claims, leaseMs (the lease the claims were given). No request
 * was sent, so the attempt the claim counted is taken back, and the timer is due
 * again at its own due time: a claim made ahead of time set due_at to that time
 * plus leaseMs, so due_at − leaseMs is it (or the claim's now, if it was claimed
 * late), and the next controller does not send it early. Nothing goes into the
 * delivery history: nothing was sent.
 * Locks: the matched rows (primary-key range; on SQLite, none: its one connection
 * runs one statement at a time). Fenced like completeFired.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import type { ClaimRef } from '../types';
import { claimFence } from './fence';

export async function releaseUnsent(
  db: Knex,
  timeoutMs: number,
  owner: string,
  claims: readonly ClaimRef[],
  leaseMs: number,
): Promise<number> {
  if (claims.length === 0) return 0;
  const d = dialectOf(db);
  const fence = claimFence(claims);
  return write(
    db,
    timeoutMs,
    `UPDATE timers
     SET status = 'pending', locked_by = NULL, updated_at = ${d.now},
         due_at = ${d.greatest(d.now, d.minus('due_at'))}, attempts = attempts - 1
     WHERE ${fence.sql} AND locked_by = ? AND status = 'firing'`,
    [d.duration(leaseMs), ...fence.bindings, owner],
  );
}
