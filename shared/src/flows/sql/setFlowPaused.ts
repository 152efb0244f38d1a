/**
 * setFlowPaused: pauses or resumes a flow (POST /flows/{key}/pause, /resume). A
 * pause of a flow with no row yet creates it, without limits: from then on the
 * flow's due timers are parked and wait, and after the resume its claim sends
 * them oldest first. A resume of a flow with no row changes nothing.
 *
 * Parameters: tenant (whose flow it is), key, paused. Locks: the flow's row. Returns
 * whether a flow row exists afterwards.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';

export async function setFlowPaused(
  db: Knex,
  timeoutMs: number,
  tenant: string,
  key: string,
  paused: boolean,
): Promise<boolean> {
  const d = dialectOf(db);
  if (!paused) {
    const changed = await write(
      db,
      timeoutMs,
      `UPDATE flows SET paused = 0, updated_at = ${d.now} WHERE tenant = ? AND flow_key = ?`,
      [tenant, key],
    );
    return changed > 0;
  }
  await write(
    db,
    timeoutMs,
    `INSERT INTO flows (tenant, flow_key, paused, tokens_at, created_at, updated_at)
     VALUES (?, ?, 1, ${d.now}, ${d.now}, ${d.now})
     ${d.onConflictUpdate('tenant, flow_key')} paused = 1, updated_at = ${d.inserted('updated_at')}`,
    [tenant, key],
  );
  return true;
}
