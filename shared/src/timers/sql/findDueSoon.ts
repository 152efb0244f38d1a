/**
 * findDueSoon: the pending timers that come due next (overdue ones first), for the
 * dashboard. One range of timers_due_at from its start, as the claim reads it;
 * firing timers (whose due_at is their lease expiry) are passed over.
 *
 * Parameters: limit. Locks: none (a plain consistent read).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { TimerRecord } from '../types';
import { timerColumns, TimerRow, toRecord } from './columns';

export async function findDueSoon(db: Knex, timeoutMs: number, limit: number): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const rows = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d)} FROM timers
     WHERE due_at IS NOT NULL AND status = 'pending'
     ORDER BY due_at LIMIT ?`,
    [limit],
  );
  return rows.map((row) => toRecord(d, row));
}
