/**
 * addRollups: adds one controller's buffered counts to delivery_rollups, all its
 * rows in one multi-row upsert (the one write a controller makes per minute).
 * Each count is added to what the row holds, so a second flush for the same
 * minute (a shutdown, then a restart with the same CONTROLLER_ID) adds instead of
 * overwriting.
 *
 * Parameters: rows (minute, tenant, controller id, the counts). Locks: the rows
 * it writes, by primary key, for the statement only; each controller writes only
 * its own rows, so controllers never wait for each other.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { write } from '../../db/query';
import { LATENESS_COLUMNS } from '../buckets';
import { ROLLUP_OUTCOMES, RollupRow } from '../types';

const COUNT_COLUMNS = [...ROLLUP_OUTCOMES, ...LATENESS_COLUMNS];
const COLUMNS = ['minute', 'tenant', 'controller_id', ...COUNT_COLUMNS];

export async function addRollups(db: Knex, timeoutMs: number, rows: readonly RollupRow[]): Promise<void> {
  if (rows.length === 0) return;
  const d = dialectOf(db);
  const placeholders = `(${COLUMNS.map(() => '?').join(', ')})`;
  await write(
    db,
    timeoutMs,
    `INSERT INTO delivery_rollups (${COLUMNS.join(', ')}) VALUES ${rows.map(() => placeholders).join(', ')}
     ${d.onConflictUpdate('minute, tenant, controller_id')}
     ${COUNT_COLUMNS.map((c) => `${c} = ${c} + ${d.inserted(c)}`).join(', ')}`,
    rows.flatMap((r) => [
      r.minute,
      r.tenant,
      r.controllerId,
      ...ROLLUP_OUTCOMES.map((o) => r[o]),
      ...LATENESS_COLUMNS.map((_, i) => r.lateness[i] ?? 0),
    ]),
  );
}
