/**
 * cancelTimer: pending (or held, unsent, by a controller that gave it back) →
 * canceled, so it never fires. Raises the version.
 *
 * Parameters: id, fence (the version and status the api decided on; for a held
 * timer, the claim), tenant (null: any; otherwise another tenant's timer is not
 * found, as an unknown one). Locks: the timer's row, for the length of the UPDATE. The
 * status condition is what makes the cancel contract hold against a concurrent
 * claim: the claim holds the row lock from its SELECT … FOR UPDATE until it
 * commits status 'firing', so this UPDATE either runs first (the claim then never
 * sees the row: due_at is NULL) or runs after and matches nothing (the api reads
 * the timer again and asks its holder). A held timer is matched only under the
 * claim whose controller promised not to send it, so a 200 always means no
 * controller holds or will take the old version.
 * SQLite: the process's one connection runs the claim's transaction and this
 * UPDATE one after the other, never interleaved, so the same holds.
 * The claim locks the due_at index entry and then the row, this UPDATE the row
 * and then the index entry: InnoDB may pick this UPDATE as a deadlock victim and
 * roll it back. It is run again (the claim has committed by then), so the caller
 * gets its answer instead of a 503.
 * A labelled timer (fence.labelled not false) has its label rows' outcome set
 * to canceled in the same transaction (labelOutcome.ts); an unlabelled one is the
 * one UPDATE, as ever.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { retryOnDeadlock, write } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import type { CancelResult, ChangeFence } from '../types';
import { changeFenceWhere, releaseHeldSet } from './changeFence';
import { findTimer, TenantView } from './findTimers';
import { updateWithLabelOutcome } from './labelOutcome';

export async function cancelTimer(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  fence: ChangeFence,
  tenant: TenantView = null,
): Promise<CancelResult> {
  const d = dialectOf(db);
  const where = changeFenceWhere(fence);
  const cancel = (q: Knex | Knex.Transaction) =>
    write(
      q,
      timeoutMs,
      `UPDATE timers
       SET status = 'canceled', due_at = NULL, flow_due_at = NULL, locked_by = NULL, version = version + 1,
           updated_at = ${d.now}${releaseHeldSet(fence)}
       WHERE id = ? AND ${where.sql}${tenant === null ? '' : ' AND tenant = ?'}`,
      tenant === null ? [id, ...where.bindings] : [id, ...where.bindings, tenant],
    );
  const changed = await retryOnDeadlock(() =>
    updateWithLabelOutcome(db, timeoutMs, { id, labelled: fence.labelled }, 'canceled', cancel),
  );
  const timer = await findTimer(db, timeoutMs, atRest, id, tenant);
  if (!timer) return { outcome: 'not_found' };
  if (changed === 1) return { outcome: 'canceled', timer };
  return { outcome: 'moved', timer };
}
