/**
 * deleteSchedule: removes a schedule and cancels its occurrences that have not
 * started (cancelOccurrences), in one transaction. The timers it already fired or
 * is firing stay, with their schedule_id, as history.
 *
 * Parameters: id. Locks: the schedule's row (on MySQL the DELETE waits for a
 * controller creating its occurrences, as pauseSchedule does), then the canceled
 * timers. Returns whether the schedule existed.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';
import { cancelOccurrences } from './cancelOccurrences';

export async function deleteSchedule(db: Knex, timeoutMs: number, id: string): Promise<boolean> {
  return db.transaction(async (trx) => {
    const deleted = await write(trx, timeoutMs, 'DELETE FROM schedules WHERE id = ?', [id]);
    if (deleted === 1) await cancelOccurrences(trx, timeoutMs, id);
    return deleted === 1;
  });
}
