/**
 * insertTimers: stores new pending timers, many in one INSERT (the api coalesces
 * concurrent creates; see Coalescer). The statement commits on its own before any
 * of its callers answers 201: an acknowledged timer is always durable.
 *
 * Parameters: per timer, id (UUIDv7, time-ordered so inserts append to the
 * primary key), url, createdAt, fireAt, dueAt (when to look at it first: fireAt,
 * or the creation time for a fire_at already past, so a late timer does not jump
 * the queue of those already due), owner (who created it, for the pending-timer
 * cap; NULL when unknown), its flow key, and its delivery policy (NULLs: the service's
 * defaults). The caller computes the times on the database clock (DbClock), so no
 * read-back is needed. Locks: only the new rows (on SQLite, none beyond the file's
 * lock that the process holds anyway).
 * The same statement on both dialects: knex binds a Date as DATETIME for mysql2
 * and as epoch milliseconds (the column's representation) for better-sqlite3.
 */
import type { Knex } from 'knex';
import { write } from '../../db/query';
import type { RetryPolicy } from '../types';

export interface NewTimer {
  id: string;
  url: string;
  createdAt: Date;
  fireAt: Date;
  /** Defaults to fireAt. */
  dueAt?: Date;
  owner?: string | null;
  retry?: RetryPolicy;
  /** on_late "skip" with this many seconds; null or absent: fire however late. */
  maxLatenessSeconds?: number | null;
  /** The flow it belongs to (flows/flowKey.ts); null: its URL's origin, worked out when needed. */
  flowKey?: string | null;
}

export async function insertTimers(
  db: Knex | Knex.Transaction,
  timeoutMs: number,
  timers: readonly NewTimer[],
): Promise<void> {
  if (timers.length === 0) return;
  await write(
    db,
    timeoutMs,
    `INSERT INTO timers (id, url, status, fire_at, due_at, created_at, updated_at, owner,
                         max_attempts, retry_base_ms, retry_max_ms, max_lateness_s, flow_key)
     VALUES ${timers.map(() => "(?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(', ')}`,
    timers.flatMap((t) => [
      t.id,
      t.url,
      t.fireAt,
      t.dueAt ?? t.fireAt,
      t.createdAt,
      t.createdAt,
      t.owner ?? null,
      t.retry?.maxAttempts ?? null,
      t.retry?.baseMs ?? null,
      t.retry?.maxMs ?? null,
      t.maxLatenessSeconds ?? null,
      t.flowKey ?? null,
    ]),
  );
}
