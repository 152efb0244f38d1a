/**
 * listFlowStates: the configured flows with their limits, pause and what each is
 * doing now (timers due and waiting; requests possibly in flight), for the
 * dashboard's fleet view: one tenant's, or every tenant's. At most `limit`
 * flows, by tenant and key; the two counts are per-flow subqueries on indexed
 * ranges (timers_flow, flow_leases), as in findFlow.
 *
 * Parameters: tenant (null: every tenant), limit. Locks: none (plain reads).
 */
import type { Knex } from 'knex';
import { DbTime, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { FlowRecord } from '../types';

interface FlowStateRow {
  tenant: string;
  flow_key: string;
  parallelism: number | null;
  rate: number | null;
  burst: number | null;
  paused: number;
  created_at: DbTime;
  updated_at: DbTime;
  waiting: number | string;
  in_flight: number | string;
}

export async function listFlowStates(
  db: Knex,
  timeoutMs: number,
  query: { tenant: string | null; limit: number },
): Promise<FlowRecord[]> {
  const d = dialectOf(db);
  const rows = await select<FlowStateRow>(
    db,
    timeoutMs,
    `SELECT f.tenant, f.flow_key, f.parallelism, f.rate, f.burst, f.paused, f.created_at, f.updated_at,
            (SELECT COUNT(*) FROM timers t WHERE t.flow_id = f.id AND t.flow_due_at <= ${d.now}) AS waiting,
            (SELECT COUNT(*) FROM flow_leases l WHERE l.flow_id = f.id AND l.expires_at > ${d.now}) AS in_flight
     FROM flows f${query.tenant === null ? '' : ' WHERE f.tenant = ?'}
     ORDER BY f.tenant, f.flow_key LIMIT ?`,
    query.tenant === null ? [query.limit] : [query.tenant, query.limit],
  );
  return rows.map((row) => ({
    tenant: row.tenant,
    key: row.flow_key,
    parallelism: row.parallelism,
    rate: row.rate,
    burst: row.burst,
    paused: Number(row.paused) === 1,
    waiting: Number(row.waiting),
    inFlight: Number(row.in_flight),
    createdAt: d.date(row.created_at),
    updatedAt: d.date(row.updated_at),
  }));
}
