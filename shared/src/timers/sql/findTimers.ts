/**
 * findTimer / listTimers: the api's reads. No locks (plain consistent reads).
 *
 * Both take the tenant the caller may see (null: every tenant, for an admin key)
 * into the one query: another tenant's timer is not found, exactly as an unknown
 * id is, without being read first and checked after.
 *
 * listTimers pages newest first by id. Ids are UUIDv7, so id order is creation
 * order, and the cursor is simply the last id of the previous page: the range
 * scan on the primary key (or on timers_status_id with a status filter) stays
 * cheap however deep the page is. For a tenant, the ranges are of
 * timers_tenant_id (tenant, id) and timers_tenant_status_id (tenant, status, id).
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import type { TimerRecord, TimerStatus } from '../types';
import { timerColumns, TimerRow, toRecord } from './columns';

/** Who may see what: a tenant's name, or null for every tenant. */
export type TenantView = string | null;

export async function findTimer(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: TenantView = null,
): Promise<TimerRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d)} FROM timers WHERE id = ?${tenant === null ? '' : ' AND tenant = ?'}`,
    tenant === null ? [id] : [id, tenant],
  );
  return row ? toRecord(d, row, atRest) : null;
}

export interface ListQuery {
  status?: TimerStatus;
  limit: number;
  /** Return only timers older than this id. */
  beforeId?: string;
  /** Only this tenant's timers; absent or null: every tenant's. */
  tenant?: TenantView;
}

export async function listTimers(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  query: ListQuery,
): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const where: string[] = [];
  const bindings: unknown[] = [];
  if (query.tenant != null) {
    where.push('tenant = ?');
    bindings.push(query.tenant);
  }
  if (query.status) {
    where.push('status = ?');
    bindings.push(query.status);
  }
  if (query.beforeId) {
    where.push('id < ?');
    bindings.push(query.beforeId);
  }
  const rows = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d)} FROM timers
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT ?`,
    [...bindings, query.limit],
  );
  return rows.map((row) => toRecord(d, row, atRest));
}
