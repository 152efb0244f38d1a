/**
 * parkTimers: moves due timers of a limited flow out of the ordinary claim's way,
 * to wait for their flow's capacity: due_at NULL (the claim's range scan never
 * meets them), their due time kept in flow_due_at (their place in the flow's
 * queue, oldest first), flow_id the flow. Run inside the ordinary claim's
 * transaction, on rows it has just locked.
 *
 * Parameters: flowId, ids. A row found with an expired lease (its controller died)
 * goes back to 'pending', unlocked, with the dead claim's attempt still counted:
 * its request may have been sent. Its lease token is not bumped; the dead claim's
 * writes are fenced out by status and locked_by, and the flow's claim bumps it.
 *
 * Locks: the rows (already locked by the claim). The EXISTS keeps a timer from
 * being parked to a flow deleted since the controller last read the flows (InnoDB
 * reads it with a shared lock, as for any table an UPDATE reads but does not
 * change); a row not parked stays due and is claimed by a later poll. Returns how
 * many rows were parked.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

export async function parkTimers(
  trx: Knex.Transaction,
  timeoutMs: number,
  flowId: number,
  ids: readonly string[],
): Promise<number> {
  if (ids.length === 0) return 0;
  const d = dialectOf(trx);
  return write(
    trx,
    timeoutMs,
    `UPDATE timers
     SET status = 'pending', locked_by = NULL, flow_id = ?, flow_due_at = due_at, due_at = NULL,
         updated_at = ${d.now}
     WHERE id IN (${ids.map(() => '?').join(', ')})
       AND EXISTS (SELECT 1 FROM flows WHERE id = ?)`,
    [flowId, ...ids, flowId],
  );
}
