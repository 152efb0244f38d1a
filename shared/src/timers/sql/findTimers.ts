/**
 * findTimer / findTimers / listTimers: the api's reads. No locks (plain
 * consistent reads).
 *
 * listTimers pages newest first by id. Ids are UUIDv7, so id order is creation
 * order, and the cursor is simply the last id of the previous page: the range
 * scan on the primary key (or on timers_status_id with a status filter) stays
 * cheap however deep the page is.
 *
 * With labels, the first label's range of timer_labels' primary key (label,
 * timer_id) drives the query, read backwards from the cursor: each further label
 * is one primary-key probe of timer_labels, the status one lookup of the timer's
 * row, and the scan stops at `limit` matches. A page costs the rows it has to pass
 * over to find `limit` matches, never the whole label.
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

/** The timers with these ids, in the order given (missing ones left out). */
export async function findTimers(db: Knex, timeoutMs: number, ids: readonly string[]): Promise<TimerRecord[]> {
  if (ids.length === 0) return [];
  const d = dialectOf(db);
  const byId = new Map<string, TimerRecord>();
  for (let from = 0; from < ids.length; from += 500) {
    const part = ids.slice(from, from + 500);
    const rows = await select<TimerRow>(
      db,
      timeoutMs,
      `SELECT ${timerColumns(d)} FROM timers WHERE id IN (${part.map(() => '?').join(', ')})`,
      part,
    );
    for (const row of rows) byId.set(row.id, toRecord(d, row));
  }
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export interface ListQuery {
  status?: TimerStatus;
  /** Terms (`name:value`) a timer must all carry. */
  labels?: readonly string[];
  limit: number;
  /** Return only timers older than this id. */
  beforeId?: string;
}

export async function listTimers(db: Knex, timeoutMs: number, query: ListQuery): Promise<TimerRecord[]> {
  const d = dialectOf(db);
  const [first, ...others] = query.labels ?? [];
  const where: string[] = [];
  const bindings: unknown[] = [];
  // With labels, the order and the cursor are on the label index's own column.
  const order = first === undefined ? 't.id' : 'l.timer_id';
  if (first !== undefined) {
    where.push('l.label = ?');
    bindings.push(first);
    for (const term of others) {
      where.push('EXISTS (SELECT 1 FROM timer_labels m WHERE m.label = ? AND m.timer_id = l.timer_id)');
      bindings.push(term);
    }
  }
  if (query.status) {
    where.push('t.status = ?');
    bindings.push(query.status);
  }
  if (query.beforeId) {
    where.push(`${order} < ?`);
    bindings.push(query.beforeId);
  }
  const from = first === undefined ? 'timers t' : 'timer_labels l JOIN timers t ON t.id = l.timer_id';
  const rows = await select<TimerRow>(
    db,
    timeoutMs,
    `SELECT ${timerColumns(d, 't')} FROM ${from}
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${order} DESC LIMIT ?`,
    [...bindings, query.limit],
  );
  return rows.map((row) => toRecord(d, row));
}
