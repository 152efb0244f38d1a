/**
 * countByStatus: how many timers have each status, for the dashboard, counting
 * at most `cap` of each: the count of a status is a walk of its range of
 * timers_status_id (status, id), so capping it keeps a dashboard refresh a few
 * milliseconds on a table of millions. A count equal to the cap means "at least".
 *
 * Parameters: cap, tenant (null: every tenant; otherwise ranges of
 * timers_tenant_status_id (tenant, status, id)). Locks: none (plain consistent reads). The same statement on
 * both dialects: derived tables with LIMIT, joined by UNION ALL.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';
import { TIMER_STATUSES, TimerStatus } from '../types';

export async function countByStatus(
  db: Knex,
  timeoutMs: number,
  cap: number,
  tenant: string | null = null,
): Promise<Record<TimerStatus, number>> {
  const inTenant = tenant === null ? '' : ' AND tenant = ?';
  const rows = await select<{ status: TimerStatus; n: number | string }>(
    db,
    timeoutMs,
    TIMER_STATUSES.map(
      (_, i) =>
        `SELECT ? AS status, COUNT(*) AS n FROM (SELECT 1 FROM timers WHERE status = ?${inTenant} LIMIT ?) AS s${i}`,
    ).join(' UNION ALL '),
    TIMER_STATUSES.flatMap((status) => (tenant === null ? [status, status, cap] : [status, status, tenant, cap])),
  );
  const counts = Object.fromEntries(TIMER_STATUSES.map((s) => [s, 0])) as Record<TimerStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}
