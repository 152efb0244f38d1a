/**
 * readRollups: the delivery rollups of the minutes from `since` on, summed per
 * minute over controllers, and over tenants unless one is named. A range scan of
 * the primary key (it starts with the minute); at most a few thousand rows per
 * controller and tenant a day, so a read of hours stays small.
 *
 * Parameters: since (a Date), tenant (null: every tenant). Locks: none (a plain read).
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import { LATENESS_COLUMNS } from '../buckets';
import { ROLLUP_OUTCOMES, RollupMinute } from '../types';

const COUNT_COLUMNS = [...ROLLUP_OUTCOMES, ...LATENESS_COLUMNS];

export async function readRollups(
  db: Knex,
  timeoutMs: number,
  query: { since: Date; tenant: string | null },
): Promise<RollupMinute[]> {
  const d = dialectOf(db);
  const rows = await select<Record<string, DbTime | number | string>>(
    db,
    timeoutMs,
    `SELECT minute, ${COUNT_COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ')}
     FROM delivery_rollups
     WHERE minute >= ?${query.tenant === null ? '' : ' AND tenant = ?'}
     GROUP BY minute ORDER BY minute`,
    query.tenant === null ? [query.since] : [query.since, query.tenant],
  );
  return rows.map((row) => ({
    minute: d.date(row.minute as DbTime),
    delivered: Number(row.delivered),
    retried: Number(row.retried),
    failed: Number(row.failed),
    skipped: Number(row.skipped),
    lateness: LATENESS_COLUMNS.map((c) => Number(row[c])),
  }));
}
