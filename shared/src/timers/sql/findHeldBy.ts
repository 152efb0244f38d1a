/**
 * findHeldBy: the timers the database says one controller holds (status
 * 'firing', locked_by = owner), with the claim each is under.
 *
 * A claim whose COMMIT went out but whose answer never came back (the connection
 * dropped) may have committed: those timers are the controller's, under a lease,
 * yet it does not know them and will not send them, so they would wait for the
 * lease to run out. The controller compares this list with what it knows and
 * releases the rest (see the controller's claim/claimsInDoubt.ts).
 *
 * Parameters: owner. Locks: nothing (a plain read; the fenced release that may
 * follow locks). Reads timers_status_id for status = 'firing', a small range:
 * only timers that are being sent right now.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';
import type { ClaimRef } from '../types';

export async function findHeldBy(db: Knex, timeoutMs: number, owner: string): Promise<ClaimRef[]> {
  const rows = await select<{ id: string; lease_token: number | string }>(
    db,
    timeoutMs,
    `SELECT id, lease_token FROM timers WHERE status = 'firing' AND locked_by = ?`,
    [owner],
  );
  return rows.map((r) => ({ id: r.id, leaseToken: Number(r.lease_token) }));
}
