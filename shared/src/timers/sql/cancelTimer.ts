/**
 * cancelTimer: pending → canceled, so it never fires.
 *
 * Parameters: id, tenant (null: any; otherwise another tenant's timer is not
 * found, as an unknown one). Locks: the timer's row, for the length of the UPDATE. The
 * `status = 'pending'` condition is what makes the cancel contract hold against a
 * concurrent claim: the claim holds the row lock from its SELECT … FOR UPDATE until
 * it commits status 'firing', so this UPDATE either runs first (the claim then
 * never sees the row: due_at is NULL) or runs after and matches nothing (409).
 * A 200 therefore always means no controller holds or will take the timer.
 * SQLite: the process's one connection runs the claim's transaction and this
 * UPDATE one after the other, never interleaved, so the same holds.
 * The claim locks the due_at index entry and then the row, this UPDATE the row
 * and then the index entry: InnoDB may pick this UPDATE as a deadlock victim and
 * roll it back. It is run again (the claim has committed by then), so the caller
 * gets its 200 or 409 instead of a 503.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { retryOnDeadlock, write } from '../../db/query';
import type { CancelResult } from '../types';
import type { AtRest } from '../../crypto/atRest';
import { findTimer, TenantView } from './findTimers';

export async function cancelTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: TenantView = null,
): Promise<CancelResult> {
  const d = dialectOf(db);
  const changed = await retryOnDeadlock(() =>
    write(
      db,
      timeoutMs,
      `UPDATE timers SET status = 'canceled', due_at = NULL, locked_by = NULL, updated_at = ${d.now}
       WHERE id = ? AND status = 'pending'${tenant === null ? '' : ' AND tenant = ?'}`,
      tenant === null ? [id] : [id, tenant],
    ),
  );
  const timer = await findTimer(db, timeoutMs, atRest, id, tenant);
  if (!timer) return { outcome: 'not_found' };
  if (changed === 1) return { outcome: 'canceled', timer };
  return { outcome: 'not_cancelable', timer };
}
