/**
 * insertTimers: stores new pending timers, many in one INSERT (the api coalesces
 * concurrent creates; see Coalescer). The statement commits on its own before any
 * of its callers answers 201: an acknowledged timer is always durable.
 *
 * Parameters: per timer, id (UUIDv7, time-ordered so inserts append to the
 * primary key), url, createdAt, fireAt, and owner (who created it, for the
 * pending-timer cap; NULL when unknown). The caller computes both times on the
 * database clock (DbClock), so no read-back is needed. Locks: only the new rows
 * (on SQLite, none beyond the file's lock that the process holds anyway).
 * The same statement on both dialects: knex binds a Date as DATETIME for mysql2
 * and as epoch milliseconds (the column's representation) for better-sqlite3.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';

export interface NewTimer {
  id: string;
  url: string;
  createdAt: Date;
  fireAt: Date;
  owner?: string | null;
}

export async function insertTimers(db: Knex, timeoutMs: number, timers: readonly NewTimer[]): Promise<void> {
  if (timers.length === 0) return;
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at, owner)
     VALUES ${timers.map(() => "(?, ?, 'pending', ?, ?, ?, ?, ?)").join(', ')}`,
    timers.flatMap((t) => [t.id, t.url, t.fireAt, t.fireAt, t.createdAt, t.createdAt, t.owner ?? null]),
  );
}
