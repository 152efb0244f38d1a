/**
 * findDueSoon: the pending timers that come due next (overdue ones first), for the
 * dashboard. One range of timers_due_at from its start, as the claim reads it;
 * firing timers (whose due_at is their lease expiry) are passed over.
 *
 * Parameters: limit, tenant (null: every tenant). For one tenant the same range
 * is walked and other tenants' timers passed over: a dashboard's read, bounded by
 * the pending timers ahead of the tenant's first ten. Locks: none (a plain consistent read).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import type { TimerRecord } from '../types';
import { timerColumns, TimerRow, toRecord } from './columns';

export async function findDueSoon(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  limit: number,
  tenant: string | null = null,
): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const rows = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d)} FROM timers
     WHERE due_at IS NOT NULL AND status = 'pending'${tenant === null ? '' : ' AND tenant = ?'}
     ORDER BY due_at LIMIT ?`,
    tenant === null ? [limit] : [tenant, limit],
  );
  return rows.map((row) => toRecord(d, row, atRest));
}
