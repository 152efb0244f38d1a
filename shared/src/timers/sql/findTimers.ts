/**
 * findTimer / listTimers: the api's reads. No locks (plain consistent reads).
 *
 * listTimers pages newest first by id. Ids are UUIDv7, so id order is creation
 * order, and the cursor is simply the last id of the previous page: the range
 * scan on the primary key (or on timers_status_id with a status filter) stays
 * cheap however deep the page is.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../db/dialect';
import { select } from '../../db/query';
import type { TimerRecord, TimerStatus } from '../types';
import { timerColumns, TimerRow, toRecord } from './columns';

export async function findTimer(db: Knex, timeoutMs: number, id: string): Promise<TimerRecord | null> {
  const d = dialectOf(db);
  const [row] = await select<TimerRow>(db, timeoutMs, `SELECT ${timerColumns(d)} FROM timers WHERE id = ?`, [id]);
  return row ? toRecord(d, row) : null;
}

export interface ListQuery {
  status?: TimerStatus;
  limit: number;
  /** Return only timers older than this id. */
  beforeId?: string;
}

export async function listTimers(db: Knex, timeoutMs: number, query: ListQuery): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const where: string[] = [];
  const bindings: unknown[] = [];
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
  return rows.map((row) => toRecord(d, row));
}
