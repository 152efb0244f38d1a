/**
 * findSchedule / listSchedules: the api's reads. No locks (plain consistent reads).
 * listSchedules pages newest first by id (UUIDv7, so creation order); the cursor
 * is the last id of the previous page, a range of the primary key (of
 * schedules_tenant_id for one tenant). Both filter by the caller's tenant in the
 * one query: another tenant's schedule is not found, as an unknown one.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { AtRest } from '../../crypto/atRest';
import type { ScheduleRecord } from '../types';
import { SCHEDULE_COLUMNS, ScheduleRow, toScheduleRecord } from './columns';

export async function findSchedule(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  atRest: AtRest,
  id: string,
  tenant: string | null = null,
): Promise<ScheduleRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<ScheduleRow>(
    db,
    timeoutMs,
    `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = ?${tenant === null ? '' : ' AND tenant = ?'}`,
    tenant === null ? [id] : [id, tenant],
  );
  return row ? toScheduleRecord(d, row, atRest) : null;
}

export interface ScheduleListQuery {
  limit: number;
  /** Return only schedules older than this id. */
  beforeId?: string;
  /** Only this tenant's; absent or null: every tenant's. */
  tenant?: string | null;
}

export async function listSchedules(
  db: Knex,
  timeoutMs: number,
  atRest: AtRest,
  query: ScheduleListQuery,
): Promise<ScheduleRecord[]> {
  const d = dialectOf(db);
  const where: string[] = [];
  const bindings: unknown[] = [];
  if (query.tenant != null) {
    where.push('tenant = ?');
    bindings.push(query.tenant);
  }
  if (query.beforeId) {
    where.push('id < ?');
    bindings.push(query.beforeId);
  }
  const rows = await select<ScheduleRow>(
    db,
    timeoutMs,
    `SELECT ${SCHEDULE_COLUMNS} FROM schedules
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT ?`,
    [...bindings, query.limit],
  );
  return rows.map((row) => toScheduleRecord(d, row, atRest));
}
