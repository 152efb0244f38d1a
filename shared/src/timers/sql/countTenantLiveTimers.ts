/**
 * countTenantLiveTimers: how many timers one tenant has that are still to fire
 * (pending or firing), for its pending quota (its max_pending, or the service's
 * MAX_PENDING_PER_KEY). Parameters: tenant. Two ranges of the
 * timers_tenant_status_id index (tenant, status, id), read from the index alone;
 * a plain read, no locks.
 */
import type { Knex } from 'knex';
import { select } from '../../db/query';

export async function countTenantLiveTimers(db: Knex, timeoutMs: number, tenant: string): Promise<number> {
  const [row] = await select<{ n: number | string }>(
    db,
    timeoutMs,
    "SELECT COUNT(*) AS n FROM timers WHERE tenant = ? AND status IN ('pending', 'firing')",
    [tenant],
  );
  return Number(row.n);
}
