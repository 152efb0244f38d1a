/**
 * findSchedule / listSchedules: the api's reads. No locks (plain consistent reads).
 * listSchedules pages newest first by id (UUIDv7, so creation order); the cursor
 * is the last id of the previous page, a range of the primary key.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { ScheduleRecord } from '../types';
import { SCHEDULE_COLUMNS, ScheduleRow, toScheduleRecord } from './columns';

export async function findSchedule(db: Knex, timeoutMs: number, id: string): Promise<ScheduleRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<ScheduleRow>(db, timeoutMs, `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = ?`, [
    id,
  ]);
  return row ? toScheduleRecord(d, row) : null;
}

export interface ScheduleListQuery {
  limit: number;
  /** Return only schedules older than this id. */
  beforeId?: string;
}

export async function listSchedules(db: Knex, timeoutMs: number, query: ScheduleListQuery): Promise<ScheduleRecord[]> {
  const d = dialectOf(db);
  const rows = await select<ScheduleRow>(
    db,
    timeoutMs,
    `SELECT ${SCHEDULE_COLUMNS} FROM schedules
     ${query.beforeId ? 'WHERE id < ?' : ''}
     ORDER BY id DESC LIMIT ?`,
    query.beforeId ? [query.beforeId, query.limit] : [query.limit],
  );
  return rows.map((row) => toScheduleRecord(d, row));
}
