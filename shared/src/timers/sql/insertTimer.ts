/**
 * insertTimer: stores a new pending timer, due `delaySeconds` after the database's
 * now, and reads it back (fire_at and created_at come from the database clock).
 *
 * Parameters: id (UUIDv7, time-ordered so inserts append to the primary key),
 * url, delaySeconds. Locks: only the new row. The INSERT commits on its own before
 * the caller answers 201: an acknowledged timer is always durable.
 */
import type { Knex } from 'knex';
import { select, write } from '../../db/query';
import type { TimerRecord } from '../types';
import { TIMER_COLUMNS, TimerRow, toRecord } from './columns';

export async function insertTimer(
  db: Knex,
  timeoutMs: number,
  timer: { id: string; url: string; delaySeconds: number },
): Promise<TimerRecord> {
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at)
     VALUES (?, ?, 'pending', NOW(3) + INTERVAL ? SECOND, NOW(3) + INTERVAL ? SECOND, NOW(3), NOW(3))`,
    [timer.id, timer.url, timer.delaySeconds, timer.delaySeconds],
  );
  const [row] = await select<TimerRow>(db, timeoutMs, `SELECT ${TIMER_COLUMNS} FROM timers WHERE id = ?`, [timer.id]);
  return toRecord(row);
}
