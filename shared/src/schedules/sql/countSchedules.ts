/**
 * countSchedules: how many schedules one owner has (paused ones too: a resume
 * needs no quota), for MAX_SCHEDULES_PER_KEY. Parameters: owner. A range of the
 * schedules_owner index; a plain read, no locks.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';

export async function countSchedules(db: Knex, timeoutMs: number, owner: string): Promise<number> {
  const [row] = await select<{ n: number | string }>(
    db,
    timeoutMs,
    'SELECT COUNT(*) AS n FROM schedules WHERE owner = ?',
    [owner],
  );
  return Number(row.n);
}
