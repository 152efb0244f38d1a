/**
 * listRecentAttempts: the newest delivery attempts of all timers, newest first,
 * for the dashboard's recent deliveries: each request a controller sent, with its
 * answer, how late it left and what followed.
 *
 * Parameters: limit, tenant (null: every tenant's; otherwise each row's timer is
 * looked up by its primary key and other tenants' passed over). "Newest" is finished_at, when the answer (or the error)
 * came and the row was written. One backward range of timer_attempts_finished_at
 * from its end, `limit` rows long, however long the history is; a plain read, no
 * locks. Attempts finished in the same millisecond come in no particular order.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AttemptRecord } from '../../timers/types';
import { ATTEMPT_COLUMNS, AttemptRow, toAttemptRecord } from './listAttempts';

export async function listRecentAttempts(
  db: Knex,
  timeoutMs: number,
  limit: number,
  tenant: string | null = null,
): Promise<AttemptRecord[]> {
  const inTenant =
    tenant === null
      ? ''
      : 'WHERE EXISTS (SELECT 1 FROM timers t WHERE t.id = timer_attempts.timer_id AND t.tenant = ?)';
  const d = dialectOf(db);
  const rows = await select<AttemptRow>(
    db,
    timeoutMs,
    `SELECT ${ATTEMPT_COLUMNS} FROM timer_attempts ${inTenant} ORDER BY finished_at DESC LIMIT ?`,
    tenant === null ? [limit] : [tenant, limit],
  );
  return rows.map((row) => toAttemptRecord(d, row));
}
