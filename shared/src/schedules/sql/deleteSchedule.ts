/**
 * deleteSchedule: removes a schedule and cancels its occurrences that have not
 * started (cancelOccurrences), in one transaction. The timers it already fired or
 * is firing stay, with their schedule_id, as history.
 *
 * Parameters: id, tenant (null: any). Locks: the schedule's row (on MySQL the DELETE waits for a
 * controller creating its occurrences, as pauseSchedule does), then the canceled
 * timers. Returns whether the schedule existed.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';
import { cancelOccurrences } from './cancelOccurrences';

export async function deleteSchedule(
  db: Knex,
  timeoutMs: number,
  id: string,
  tenant: string | null = null,
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const deleted = await write(
      trx,
      timeoutMs,
      `DELETE FROM schedules WHERE id = ?${tenant === null ? '' : ' AND tenant = ?'}`,
      tenant === null ? [id] : [id, tenant],
    );
    if (deleted === 1) await cancelOccurrences(trx, timeoutMs, id);
    return deleted === 1;
  });
}
