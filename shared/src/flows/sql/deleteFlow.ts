/**
 * deleteFlow: removes a flow's limits (DELETE /flows/{key}). Its parked timers go
 * back to the ordinary claim at their due time (due_at = flow_due_at), so they
 * flow again oldest first, or, where an origin default (FLOW_DEFAULTS) covers
 * them, are parked anew for that default's claim. A paused flow so resumes.
 *
 * Parameters: tenant (whose flow it is), key. Returns whether there was one.
 *
 * Locks, in one transaction: the flow's row first (FOR UPDATE). The ordinary
 * claim's parkTimers reads that row (EXISTS) with a shared lock, so a park racing
 * this delete either committed before it (and its timers are unparked here) or
 * waits and then finds no flow (and leaves its timers due). A flow claim locks the
 * row too and, after this commit, finds nothing. Then the flow's timers by the
 * index timers_flow: every one loses flow_id (a request of the flow in flight
 * keeps its lease on the timer and finishes as any other), and the flow's
 * flow_leases rows go with the flow.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select, write } from '../../db/query';

export async function deleteFlow(db: Knex, timeoutMs: number, tenant: string, key: string): Promise<boolean> {
  const d = dialectOf(db);
  return db.transaction(async (trx) => {
    const [flow] = await select<{ id: number | string }>(
      trx,
      timeoutMs,
      `SELECT id FROM flows WHERE tenant = ? AND flow_key = ? ${d.rowLock}`,
      [tenant, key],
    );
    if (!flow) return false;
    const id = Number(flow.id);
    await write(
      trx,
      timeoutMs,
      `UPDATE timers
       SET due_at = COALESCE(flow_due_at, due_at), flow_due_at = NULL, flow_id = NULL, updated_at = ${d.now}
       WHERE flow_id = ?`,
      [id],
    );
    await write(trx, timeoutMs, 'DELETE FROM flow_leases WHERE flow_id = ?', [id]);
    await write(trx, timeoutMs, 'DELETE FROM flows WHERE id = ?', [id]);
    return true;
  });
}
