/**
 * findFlow: one configured flow with what it is doing now: its timers due and
 * waiting (parked, flow_due_at <= now: one range of timers_flow) and its requests
 * possibly in flight (live flow_leases rows). findFlows: the same for every flow
 * of a tenant (null: of every tenant, the origin defaults included), at most
 * `limit`, by key (the api's listing) or by tenant then key (the dashboard's fleet
 * view, each tenant's flows together). listFlows: every configured flow, id, tenant and key only: what a
 * controller needs to recognise their timers.
 *
 * Parameters: tenant (null: any tenant, the flow set first, not a default) and key; tenant and
 * limit; none. Locks: none (plain reads).
 */
import type { Knex } from 'knex';
import { DbTime, Dialect, dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import { FlowEntry, FlowRecord, ORIGIN_DEFAULTS_TENANT } from '../types';

/** How findFlows orders: by key (then tenant), or by tenant (then key). */
export type FlowOrder = 'key' | 'tenant';

interface FlowRow {
  id: number | string;
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

const FLOW_COLUMNS = (now: string) =>
  `f.id, f.tenant, f.flow_key, f.parallelism, f.rate, f.burst, f.paused, f.created_at, f.updated_at,
   (SELECT COUNT(*) FROM timers t WHERE t.flow_id = f.id AND t.flow_due_at <= ${now}) AS waiting,
   (SELECT COUNT(*) FROM flow_leases l WHERE l.flow_id = f.id AND l.expires_at > ${now}) AS in_flight`;

export async function findFlow(
  db: Knex,
  timeoutMs: number,
  tenant: string | null,
  key: string,
): Promise<FlowRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<FlowRow>(
    db,
    timeoutMs,
    `SELECT ${FLOW_COLUMNS(d.now)}
     FROM flows f WHERE f.flow_key = ? AND ${tenant === null ? 'f.tenant <> ?' : 'f.tenant = ?'}
     ORDER BY f.id LIMIT 1`,
    [key, tenant ?? ORIGIN_DEFAULTS_TENANT],
  );
  return row ? toRecord(d, row) : null;
}

export async function findFlows(
  db: Knex,
  timeoutMs: number,
  tenant: string | null,
  limit: number,
  order: FlowOrder = 'key',
): Promise<FlowRecord[]> {
  const d = dialectOf(db);
  const rows = await select<FlowRow>(
    db,
    timeoutMs,
    `SELECT ${FLOW_COLUMNS(d.now)}
     FROM flows f${tenant === null ? '' : ' WHERE f.tenant = ?'}
     ORDER BY ${order === 'key' ? 'f.flow_key, f.tenant' : 'f.tenant, f.flow_key'} LIMIT ?`,
    tenant === null ? [limit] : [tenant, limit],
  );
  return rows.map((row) => toRecord(d, row));
}

function toRecord(d: Dialect, row: FlowRow): FlowRecord {
  return {
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
  };
}

export async function listFlows(db: Knex, timeoutMs: number): Promise<FlowEntry[]> {
  const rows = await select<{ id: number | string; tenant: string; flow_key: string }>(
    db,
    timeoutMs,
    'SELECT id, tenant, flow_key FROM flows',
  );
  return rows.map((r) => ({ id: Number(r.id), tenant: r.tenant, key: r.flow_key }));
}
